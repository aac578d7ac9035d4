#include "connectionprofile.h"

#include <QFileInfo>
#include <QUuid>

namespace drover::ui {

namespace {

bool isLoopbackHost(const QString &host)
{
    return host == QLatin1String("127.0.0.1") || host == QLatin1String("localhost") ||
           host == QLatin1String("::1");
}

// RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
bool isScopeToken(const QString &scope)
{
    if (scope.isEmpty())
        return false;
    for (QChar c : scope) {
        const ushort u = c.unicode();
        if (u < 0x21 || u > 0x7e || u == 0x22 || u == 0x5c)
            return false;
    }
    return true;
}

} // namespace

ConnectionProfile ConnectionProfile::create(const QString &name)
{
    ConnectionProfile profile;
    profile.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    profile.name = name;
    return profile;
}

QStringList ConnectionProfile::validate() const
{
    QStringList problems;
    if (id.trimmed().isEmpty())
        problems << QStringLiteral("The profile has no id.");
    if (name.trimmed().isEmpty())
        problems << QStringLiteral("Give the profile a name.");

    const QString scheme = url.scheme().toLower();
    if (url.isEmpty()) {
        problems << QStringLiteral("Enter the server URL, e.g. mqtts://mqtt.example.com:8883.");
    } else if (!url.isValid()) {
        problems << QStringLiteral("The server URL is not valid: %1").arg(url.errorString());
    } else if (scheme != QLatin1String("mqtt") && scheme != QLatin1String("mqtts") &&
               scheme != QLatin1String("ws") && scheme != QLatin1String("wss")) {
        problems << QStringLiteral("The server URL must start with mqtt://, mqtts://, ws:// or wss://.");
    } else {
        if (url.host().isEmpty())
            problems << QStringLiteral("The server URL has no host name.");
        // Credentials in the URL would end up in the settings file.
        if (!url.userInfo().isEmpty())
            problems << QStringLiteral("Remove the user name and password from the server URL: enter them in "
                                       "the login settings, where the password goes to the keychain.");
        if ((scheme == QLatin1String("mqtt") || scheme == QLatin1String("mqtts")) && !url.path().isEmpty() &&
            url.path() != QLatin1String("/"))
            problems << QStringLiteral(
                "An mqtt:// or mqtts:// URL has no path (a path is for ws:// and wss://).");
        if (url.hasQuery() || url.hasFragment())
            problems << QStringLiteral("The server URL must not have a query or fragment.");
    }

    if (!caFile.isEmpty() && usesTls() && !QFileInfo(caFile).isFile())
        problems << QStringLiteral("The CA file %1 does not exist.").arg(caFile);

    switch (authKind) {
    case AuthKind::Anonymous:
        break;
    case AuthKind::OAuth2: {
        const QString issuerScheme = issuer.scheme().toLower();
        if (issuer.isEmpty()) {
            problems << QStringLiteral("Enter the issuer URL of the OpenID Connect provider.");
        } else if (!issuer.isValid() || issuer.host().isEmpty() ||
                   (issuerScheme != QLatin1String("https") && issuerScheme != QLatin1String("http"))) {
            problems << QStringLiteral("The issuer must be an https:// URL.");
        } else if (issuerScheme == QLatin1String("http") && !isLoopbackHost(issuer.host())) {
            // Tokens would cross the network in clear text.
            problems << QStringLiteral("The issuer must use https:// (http:// is allowed for 127.0.0.1 and "
                                       "localhost only).");
        } else if (issuer.hasQuery() || issuer.hasFragment()) {
            problems << QStringLiteral("The issuer URL must not have a query or fragment.");
        }
        if (oauthClientId.trimmed().isEmpty())
            problems << QStringLiteral("Enter the OAuth2 client id of the console.");
        for (const QString &scope : scopes) {
            if (!isScopeToken(scope))
                problems << QStringLiteral("\"%1\" is not a valid scope (no spaces, quotes or backslashes).")
                                .arg(scope);
        }
        if (tokenPlacement == TokenPlacement::Password && mqttVersion != MqttVersion::V5)
            problems << QStringLiteral("Sending the token as the password needs MQTT 5: MQTT 3.1.1 has no "
                                       "password without a user name. Choose MQTT 5, or send the token as "
                                       "the user name.");
        break;
    }
    case AuthKind::ApiKey:
        if (username.trimmed().isEmpty())
            problems << QStringLiteral("Enter the user name the API key belongs to.");
        break;
    case AuthKind::Password:
        if (username.trimmed().isEmpty())
            problems << QStringLiteral("Enter the user name.");
        break;
    }
    return problems;
}

bool ConnectionProfile::usesTls() const
{
    const QString scheme = url.scheme().toLower();
    return scheme == QLatin1String("mqtts") || scheme == QLatin1String("wss");
}

bool ConnectionProfile::usesWebSocket() const
{
    const QString scheme = url.scheme().toLower();
    return scheme == QLatin1String("ws") || scheme == QLatin1String("wss");
}

QStringList ConnectionProfile::requestedScopes() const
{
    // offline_access: ask for a refresh token, so connects after the first need no browser.
    QStringList out{QStringLiteral("openid"), QStringLiteral("offline_access")};
    for (const QString &scope : scopes) {
        if (!scope.isEmpty() && !out.contains(scope))
            out << scope;
    }
    return out;
}

QString ConnectionProfile::secretKey(Secret secret) const
{
    switch (secret) {
    case Secret::ApiKey:
        return QStringLiteral("profiles/%1/api-key").arg(id);
    case Secret::Password:
        return QStringLiteral("profiles/%1/password").arg(id);
    case Secret::OAuth2Session:
        return QStringLiteral("profiles/%1/oauth2-session").arg(id);
    }
    return {};
}

QStringList ConnectionProfile::secretKeys() const
{
    return {secretKey(Secret::ApiKey), secretKey(Secret::Password), secretKey(Secret::OAuth2Session)};
}

QString ConnectionProfile::versionName(MqttVersion version)
{
    return version == MqttVersion::V311 ? QStringLiteral("3.1.1") : QStringLiteral("5");
}

QString ConnectionProfile::authKindName(AuthKind kind)
{
    switch (kind) {
    case AuthKind::Anonymous:
        return QStringLiteral("anonymous");
    case AuthKind::OAuth2:
        return QStringLiteral("oauth2");
    case AuthKind::ApiKey:
        return QStringLiteral("api-key");
    case AuthKind::Password:
        return QStringLiteral("password");
    }
    return {};
}

QString ConnectionProfile::placementName(TokenPlacement placement)
{
    return placement == TokenPlacement::Password ? QStringLiteral("password") : QStringLiteral("username");
}

bool ConnectionProfile::parseVersion(const QString &text, MqttVersion *version)
{
    if (text == QLatin1String("3.1.1") || text == QLatin1String("4")) {
        *version = MqttVersion::V311;
        return true;
    }
    if (text == QLatin1String("5") || text == QLatin1String("5.0")) {
        *version = MqttVersion::V5;
        return true;
    }
    return false;
}

bool ConnectionProfile::parseAuthKind(const QString &text, AuthKind *kind)
{
    for (AuthKind k : {AuthKind::Anonymous, AuthKind::OAuth2, AuthKind::ApiKey, AuthKind::Password}) {
        if (text == authKindName(k)) {
            *kind = k;
            return true;
        }
    }
    return false;
}

bool ConnectionProfile::parsePlacement(const QString &text, TokenPlacement *placement)
{
    for (TokenPlacement p : {TokenPlacement::Username, TokenPlacement::Password}) {
        if (text == placementName(p)) {
            *placement = p;
            return true;
        }
    }
    return false;
}

bool ConnectionProfile::operator==(const ConnectionProfile &o) const
{
    return id == o.id && name == o.name && url == o.url && mqttVersion == o.mqttVersion &&
           clientId == o.clientId && authKind == o.authKind && issuer == o.issuer &&
           oauthClientId == o.oauthClientId && scopes == o.scopes && audience == o.audience &&
           tokenPlacement == o.tokenPlacement && username == o.username && caFile == o.caFile;
}

} // namespace drover::ui
