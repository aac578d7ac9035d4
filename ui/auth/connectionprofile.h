// One saved connection of the console: where (URL, MQTT version, client id), how to log in,
// and a stable id. A value; ProfileStore saves it without secrets, which live in the
// SecretStore under the keys secretKey() names.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace drover::ui {

struct ConnectionProfile {
    enum class MqttVersion {
        V311,
        V5,
    };
    enum class AuthKind {
        Anonymous,
        OAuth2, // OIDC login in the system browser; the access token is the MQTT credential
        ApiKey, // user name + API key (Drogue's username/password form)
        Password,
    };
    // Where an OAuth2 access token goes in CONNECT (Drogue: "username only" or "password
    // only"). A password without a user name exists in MQTT 5 only.
    enum class TokenPlacement {
        Username,
        Password,
    };
    // The secrets of a profile, each under its own SecretStore key.
    enum class Secret {
        ApiKey,
        Password,
        OAuth2Session, // the refresh token and who it belongs to (JSON)
    };

    QString id; // stable: a UUID without braces, made by create()
    QString name;
    QUrl url; // mqtt://, mqtts://, ws://, wss://
    MqttVersion mqttVersion = MqttVersion::V5;
    QString clientId; // empty: the server assigns one
    AuthKind authKind = AuthKind::Anonymous;

    // OAuth2
    QUrl issuer;           // OIDC discovery runs against <issuer>/.well-known/openid-configuration
    QString oauthClientId; // a public client: no secret, PKCE
    QStringList scopes;    // extra scopes; openid and offline_access are always requested
    QString audience;      // optional: sent as RFC 8707 "resource" and as "audience"
    TokenPlacement tokenPlacement = TokenPlacement::Username;

    // ApiKey and Password: the user name (the key or password is a secret)
    QString username;

    QString caFile; // PEM file of CAs for mqtts:// and wss:// (empty: the system's)

    // A new profile with a fresh id.
    static ConnectionProfile create(const QString &name = {});

    // What is wrong with the profile, one plain sentence each; empty when it can be used.
    QStringList validate() const;
    bool isValid() const { return validate().isEmpty(); }

    bool usesTls() const;                // mqtts:// or wss://
    bool usesWebSocket() const;          // ws:// or wss://
    QStringList requestedScopes() const; // openid, offline_access, then scopes (no duplicates)
    QString secretKey(Secret secret) const;
    // Every secret key a profile can have (to forget them all when it is removed).
    QStringList secretKeys() const;

    static QString versionName(MqttVersion version);        // "3.1.1", "5"
    static QString authKindName(AuthKind kind);             // "anonymous", "oauth2", "api-key", "password"
    static QString placementName(TokenPlacement placement); // "username", "password"
    static bool parseVersion(const QString &text, MqttVersion *version);
    static bool parseAuthKind(const QString &text, AuthKind *kind);
    static bool parsePlacement(const QString &text, TokenPlacement *placement);

    bool operator==(const ConnectionProfile &o) const;
    bool operator!=(const ConnectionProfile &o) const { return !(*this == o); }
};

} // namespace drover::ui
