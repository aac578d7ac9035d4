#include "jwssignature.h"

#include "jwttoken.h"

#include <QJsonDocument>
#include <QLoggingCategory>

// libjose's headers carry no extern "C" guard of their own.
extern "C" {
#include <jose/cfg.h>
#include <jose/jws.h>
}

#include <cstdarg>
#include <cstdio>
#include <memory>

Q_LOGGING_CATEGORY(lcJose, "drover.auth.jose")

namespace drover::auth {

namespace {

// Without a configuration of its own, libjose prints why a check failed straight to stderr,
// past droverd's log format and levels. Its reasons ("Signing algorithm mismatch (PS256 !=
// PS512)") name algorithms and fields, never key or token material; the refusal the client
// and the log get is ours ("bad signature ..."), so libjose's is for debugging only.
void reportJoseError(void *, const char *, int, uint64_t, const char *format, va_list arguments)
{
    char text[256];
    std::vsnprintf(text, sizeof text, format, arguments);
    qCDebug(lcJose) << "libjose:" << text;
}

jose_cfg_t *joseConfiguration()
{
    // One for the process, never freed; signatures are checked on the event loop only.
    static jose_cfg_t *const configuration = [] {
        jose_cfg_t *made = jose_cfg();
        if (made)
            jose_cfg_set_err_func(made, reportJoseError, nullptr);
        return made;
    }();
    return configuration;
}

struct JsonDeleter {
    void operator()(json_t *json) const { json_decref(json); }
};
using Json = std::unique_ptr<json_t, JsonDeleter>;

Json toJansson(const QJsonObject &object)
{
    const QByteArray text = QJsonDocument(object).toJson(QJsonDocument::Compact);
    return Json(json_loadb(text.constData(), size_t(text.size()), 0, nullptr));
}

Json string(const QByteArray &text)
{
    return Json(json_stringn(text.constData(), size_t(text.size())));
}

} // namespace

bool JwsSignature::keyMatchesAlgorithm(const QJsonObject &jwk, const QString &algorithm, QString *reason)
{
    const QString kty = jwk.value(QLatin1String("kty")).toString();
    const QString crv = jwk.value(QLatin1String("crv")).toString();
    bool fits = false;
    if (algorithm.startsWith(QLatin1String("RS")) || algorithm.startsWith(QLatin1String("PS")))
        fits = kty == QLatin1String("RSA");
    else if (algorithm == QLatin1String("ES256"))
        fits = kty == QLatin1String("EC") && crv == QLatin1String("P-256");
    else if (algorithm == QLatin1String("ES384"))
        fits = kty == QLatin1String("EC") && crv == QLatin1String("P-384");
    else if (algorithm == QLatin1String("ES512"))
        fits = kty == QLatin1String("EC") && crv == QLatin1String("P-521");
    if (!fits) {
        *reason = QStringLiteral("a %1 key can't check %2 signatures")
                      .arg(kty.isEmpty() ? QStringLiteral("?") : kty, algorithm);
        return false;
    }
    if (jwk.contains(QLatin1String("alg")) && jwk.value(QLatin1String("alg")).toString() != algorithm) {
        *reason = QStringLiteral("the key is for %1, not %2")
                      .arg(jwk.value(QLatin1String("alg")).toString(), algorithm);
        return false;
    }
    if (jwk.contains(QLatin1String("use")) &&
        jwk.value(QLatin1String("use")).toString() != QLatin1String("sig")) {
        *reason = QStringLiteral("the key is not for signatures (use %1)")
                      .arg(jwk.value(QLatin1String("use")).toString());
        return false;
    }
    // Private parts have no business in a published key set; refuse rather than use them.
    if (jwk.contains(QLatin1String("d")) || jwk.contains(QLatin1String("k"))) {
        *reason = QStringLiteral("the key set publishes private or symmetric key material");
        return false;
    }
    return true;
}

bool JwsSignature::verify(const JwtToken &token, const QJsonObject &jwk, const QString &algorithm)
{
    QJsonObject pinned = jwk;
    pinned.insert(QLatin1String("alg"), algorithm);
    const Json key = toJansson(pinned);
    Json jws(json_object());
    if (!key || !jws)
        return false;
    // The flattened JSON serialization of the same three parts (RFC 7515 7.2.2).
    if (json_object_set_new(jws.get(), "protected", string(token.protectedPart()).release()) != 0 ||
        json_object_set_new(jws.get(), "payload", string(token.payloadPart()).release()) != 0 ||
        json_object_set_new(jws.get(), "signature", string(token.signaturePart()).release()) != 0)
        return false;
    return jose_jws_ver(joseConfiguration(), jws.get(), nullptr, key.get(), false);
}

} // namespace drover::auth
