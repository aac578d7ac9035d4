// libFuzzer target: arbitrary bytes as an access token (JwtToken::parse, then JwsSignature
// against fixed public keys), or, when they start with '{', as a JWKS document
// (JsonWebKeySet::parse, then keyMatchesAlgorithm for every key and algorithm). Tokens reach
// the gateway before any authentication, so none may crash, hang or be echoed: a parsed
// token re-joins to the exact input, an error never quotes the token, and no signature made
// by someone else verifies against our keys.
#include "auth/jsonwebkeyset.h"
#include "auth/jwssignature.h"
#include "auth/jwttoken.h"

#include <QJsonDocument>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace drover::auth;

namespace {

// Public halves of keys made for this target; their private halves were thrown away, so no
// input can carry a valid signature for them.
constexpr char kRsaKey[] =
    R"({"kty":"RSA","kid":"rsa","e":"AQAB","n":"8bGSU8mK75kQzGTjAcDUx2Gjy8mbjh4m98ltNZkI7imXDXsUEBig_5iX1XAj8zeK9UJRdjGc7xyzXg6wdiY1bAi7XIXs4I8Myt0mJeHPz6qEzkBE-c_VZftHJODT5YnEGvMistIty9hKLcN7oP4PFh4U95kTM5_k7xAli7x46Rdv_RZvLHcUk9jRUj3hRHCO-nIcUVit-ZrKTNOTC1kwGrRAD8hj5JvRx2THZD01VFrf77wYo8pi7uATJh4GO1Ap5fg3HhaqhG05jcBzl6Q3owNCN5Uvruiy3sM9boC47Wjw4GGXoDpXMQLz6j2PY5l-2ThfgBxXEY8Y2Bj9wcxshw"})";
constexpr char kEcKey[] =
    R"({"kty":"EC","kid":"ec","crv":"P-256","x":"ZrX9-SgvNda4B0W1KqwfMLdtbTRVD6Mq4FmL9w2wP0c","y":"rS98s3VgPTm-1jtDpXAHp4FWKr6cJj0Bbd1iUms_FB4"})";

const char *const kAlgorithms[] = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                   "ES256", "ES384", "ES512", "HS256", "none"};

[[noreturn]] void die(const char *what)
{
    std::fprintf(stderr, "fuzz_jwt: %s\n", what);
    std::abort();
}

void check(bool condition, const char *what)
{
    if (!condition)
        die(what);
}

QJsonObject key(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

void fuzzToken(const QByteArray &input)
{
    static const QJsonObject rsa = key(kRsaKey);
    static const QJsonObject ec = key(kEcKey);
    QString error;
    const std::optional<JwtToken> token = JwtToken::parse(input, &error);
    if (!token) {
        check(!error.isEmpty(), "a refused token has no reason");
        if (input.size() >= 16)
            check(!error.toUtf8().contains(input), "the reason quotes the token");
        return;
    }
    const QByteArray joined =
        token->protectedPart() + '.' + token->payloadPart() + '.' + token->signaturePart();
    check(joined == input, "the parts do not re-join to the token");
    check(!token->algorithm().isEmpty(), "a parsed token has no algorithm");
    for (const QJsonObject *jwk : {&rsa, &ec}) {
        for (const char *name : kAlgorithms) {
            const QString algorithm = QString::fromLatin1(name);
            QString reason;
            if (!JwsSignature::keyMatchesAlgorithm(*jwk, algorithm, &reason))
                continue;
            check(!algorithm.startsWith(QLatin1String("HS")) && algorithm != QLatin1String("none"),
                  "a public key matches HMAC or none");
            check(!JwsSignature::verify(*token, *jwk, algorithm), "a foreign signature verified");
        }
    }
}

void fuzzKeySet(const QByteArray &input)
{
    QString error;
    const std::optional<JsonWebKeySet> keys = JsonWebKeySet::parse(input, &error);
    if (!keys) {
        check(!error.isEmpty(), "a refused key set has no reason");
        return;
    }
    for (const QJsonObject &jwk : keys->keys()) {
        for (const char *name : kAlgorithms) {
            QString reason;
            const bool matches = JwsSignature::keyMatchesAlgorithm(jwk, QString::fromLatin1(name), &reason);
            check(matches || !reason.isEmpty(), "a key refused for an algorithm without a reason");
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    if (input.startsWith('{'))
        fuzzKeySet(input);
    else
        fuzzToken(input);
    return 0;
}
