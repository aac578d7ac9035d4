#include "loginidentity.h"

#include <QJsonDocument>
#include <QList>

namespace drover::ui {

QString LoginIdentity::displayName() const
{
    for (const QString *candidate : {&username, &name, &email, &subject}) {
        if (!candidate->isEmpty())
            return *candidate;
    }
    return {};
}

QJsonObject LoginIdentity::jwtClaims(const QByteArray &jwt)
{
    const QList<QByteArray> parts = jwt.split('.');
    if (parts.size() != 3)
        return {};
    const auto decoded = QByteArray::fromBase64Encoding(
        parts.at(1), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return {};
    return QJsonDocument::fromJson(*decoded).object();
}

LoginIdentity LoginIdentity::fromIdToken(const QByteArray &idToken)
{
    const QJsonObject claims = jwtClaims(idToken);
    LoginIdentity identity;
    identity.subject = claims.value(QLatin1String("sub")).toString();
    identity.username = claims.value(QLatin1String("preferred_username")).toString();
    identity.name = claims.value(QLatin1String("name")).toString();
    identity.email = claims.value(QLatin1String("email")).toString();
    return identity;
}

QJsonObject LoginIdentity::toJson() const
{
    return QJsonObject{{QStringLiteral("sub"), subject},
                       {QStringLiteral("preferred_username"), username},
                       {QStringLiteral("name"), name},
                       {QStringLiteral("email"), email}};
}

LoginIdentity LoginIdentity::fromJson(const QJsonObject &object)
{
    LoginIdentity identity;
    identity.subject = object.value(QLatin1String("sub")).toString();
    identity.username = object.value(QLatin1String("preferred_username")).toString();
    identity.name = object.value(QLatin1String("name")).toString();
    identity.email = object.value(QLatin1String("email")).toString();
    return identity;
}

} // namespace drover::ui
