#include "jsonwebkeyset.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace drover::auth {

std::optional<JsonWebKeySet> JsonWebKeySet::parse(const QByteArray &json, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    const QJsonValue keys = document.object().value(QLatin1String("keys"));
    if (parseError.error != QJsonParseError::NoError || !document.isObject() || !keys.isArray()) {
        if (error)
            *error = QStringLiteral("the key set is not a JWKS (a JSON object with a \"keys\" array)");
        return std::nullopt;
    }
    JsonWebKeySet set;
    for (const QJsonValue &value : keys.toArray()) {
        const QJsonObject key = value.toObject();
        const QString kty = key.value(QLatin1String("kty")).toString();
        const QString use = key.value(QLatin1String("use")).toString(QStringLiteral("sig"));
        if ((kty == QLatin1String("RSA") || kty == QLatin1String("EC")) && use == QLatin1String("sig"))
            set.m_keys.append(key);
    }
    return set;
}

std::optional<QJsonObject> JsonWebKeySet::find(const QString &kid) const
{
    for (const QJsonObject &key : m_keys) {
        if (key.value(QLatin1String("kid")).toString() == kid && key.contains(QLatin1String("kid")))
            return key;
    }
    return std::nullopt;
}

} // namespace drover::auth
