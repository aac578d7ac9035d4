// The login of one connection profile, and the credentials of each connect attempt.
//
// OAuth2 profiles log in with the authorization code flow + PKCE (S256) in the system browser,
// redirected to a loopback port (RFC 8252); the issuer is found by OIDC discovery. The refresh
// token is saved in the SecretStore (never in the settings file, unless the user allowed the
// file fallback), so a restart needs no new browser login; the access token stays in memory.
// Before every connect attempt credentialsForConnect() refreshes the access token (Drogue
// checks a token only at CONNECT, so each connect should carry a fresh one) and hands back
// the MQTT user name/password to send. A refresh the issuer rejects leads to LoginRequired.
//
// API key and password profiles log in with a secret (remembered in the SecretStore if the
// user wants); anonymous profiles need no login.
//
// States (OAuth2):
//   LoggedOut ──login()──► LoggingIn ──granted──► LoggedIn ◄──┐
//       ▲                     │ failed/cancelled: back to      │ refreshed, or failed for a
//       │                     ▼ the state before                │ transient reason (network,
//   logout()           LoginRequired ◄── rejected ── Refreshing ┘ 5xx): the login is kept
#pragma once

#include "connectionprofile.h"
#include "loginidentity.h"
#include "mqttcredentials.h"
#include "oidcdiscovery.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <functional>
#include <optional>
#include <vector>

class QNetworkAccessManager;
class QNetworkReply;
class QOAuth2AuthorizationCodeFlow;

namespace drover::ui {

class LoopbackReplyHandler;
class SecretStore;

class TokenSession : public QObject
{
    Q_OBJECT
public:
    enum class State {
        LoggedOut,     // no login (yet: see restore())
        LoggingIn,     // OAuth2: discovery, the browser, the code exchange
        LoggedIn,      // can connect (anonymous profiles always are)
        Refreshing,    // OAuth2: getting a fresh access token for a connect attempt
        LoginRequired, // OAuth2: the issuer rejected the saved login; lastError() says why
    };
    Q_ENUM(State)
    enum class RefreshPolicy {
        BeforeEveryConnect, // the default: a fresh access token for each attempt
        WhenExpiring,       // only when the token is valid for less than the margin
    };
    Q_ENUM(RefreshPolicy)
    using BrowserOpener = std::function<void(const QUrl &authorizationUrl)>;
    // Exactly one of credentials and error is set.
    using CredentialsDone =
        std::function<void(const std::optional<MqttCredentials> &credentials, const QString &error)>;

    // secrets: where logins are saved; may be null (nothing is saved or restored).
    TokenSession(const ConnectionProfile &profile, SecretStore *secrets, QObject *parent = nullptr);
    ~TokenSession() override;

    const ConnectionProfile &profile() const { return m_profile; }
    State state() const { return m_state; }
    LoginIdentity identity() const { return m_identity; }
    // The access token's expiry; invalid while there is none in memory (e.g. after restore(),
    // before the first connect).
    QDateTime accessTokenExpiry() const { return m_accessExpiry; }
    // Until when the login lasts without a new browser login, if the issuer said
    // (refresh_expires_in, as Keycloak sends); invalid when unknown.
    QDateTime sessionExpiry() const { return m_sessionExpiry; }
    // Why the last login, refresh or connect request failed, in plain language; never
    // contains a token or secret.
    QString lastError() const { return m_lastError; }
    bool isRestored() const { return m_restorePhase == RestorePhase::Done; }

    // How the authorization URL reaches the user. Default: QDesktopServices::openUrl (the
    // system browser). Tests drive a scripted browser with it.
    void setBrowserOpener(BrowserOpener opener);
    void setRefreshPolicy(RefreshPolicy policy, int marginSeconds = 60);
    RefreshPolicy refreshPolicy() const { return m_refreshPolicy; }
    int refreshMarginSeconds() const { return m_marginSeconds; }
    // How long the browser login may take (default 5 minutes).
    void setLoginTimeout(int milliseconds) { m_loginTimeoutMs = milliseconds; }
    // Pauses between the attempts of a refresh that failed for a transient reason
    // (default 500 ms, 2 s: three attempts).
    void setRetryDelays(const QList<int> &milliseconds) { m_retryDelaysMs = milliseconds; }
    // The network access of discovery, refresh and revocation (default: the session's own).
    QNetworkAccessManager *networkAccessManager() const { return m_nam; }

    // Reads a saved login from the SecretStore: LoggedIn if there is one (restored(true)).
    // credentialsForConnect() does this itself when it wasn't done.
    void restore();
    // OAuth2: starts the browser login; loginFinished() tells how it ended.
    void login();
    // API key and password profiles: the secret of profile().username, remembered in the
    // SecretStore when remember is true (otherwise for this session only).
    void loginWithSecret(const QString &secret, bool remember);
    void cancelLogin();
    // Forgets the login (memory and SecretStore) at once; revokes the refresh token at the
    // issuer's revocation endpoint, if it has one (best effort): logoutFinished() tells.
    void logout();

    // Call before EVERY connect attempt: done gets what CONNECT should carry, or why there is
    // nothing to connect with, always from the event loop (and not at all once the session is
    // destroyed). Calls made while a refresh runs share it (with rotating refresh tokens, two
    // refreshes at once would invalidate each other). A refresh that fails for a transient
    // reason (network, HTTP 5xx; retried per setRetryDelays()) keeps the login, and hands out
    // the current access token if it is still valid for the margin.
    void credentialsForConnect(CredentialsDone done);

Q_SIGNALS:
    void stateChanged(drover::ui::TokenSession::State state);
    void identityChanged();
    void tokensChanged(); // new access token or expiry
    void restored(bool found);
    // The browser was asked to open url; the UI may show it in case no browser opened.
    void browserLoginStarted(const QUrl &url);
    void loginFinished(bool ok, const QString &error);
    void logoutFinished(bool revoked, const QString &message);
    // The login could not be saved (it lasts for this session); message is for the user.
    void saveFailed(const QString &message);

private:
    enum class RestorePhase {
        NotStarted,
        Running,
        Done,
    };
    void setState(State state);
    void withMetadata(std::function<void(const QString &error)> next);
    void startBrowserLogin();
    void onAuthorizationCallback(const QVariantMap &data);
    void onGranted();
    void failLogin(const QString &message);
    void teardownLogin();
    void afterRestore(std::function<void()> next);
    void finishRestore(bool found);
    void connectOAuth2(CredentialsDone done);
    void startRefresh();
    void sendRefreshRequest();
    void onRefreshReply(QNetworkReply *reply, const QDateTime &sentAt);
    void refreshFailedTransiently(const QString &reason);
    void refreshRejected(const QString &message);
    void completeWaiting(const std::optional<MqttCredentials> &credentials, const QString &error);
    void deliver(CredentialsDone done, const std::optional<MqttCredentials> &credentials,
                 const QString &error);
    bool accessTokenFresh() const;
    MqttCredentials credentials() const;
    void saveOAuth2Session();
    void revoke(const QByteArray &refreshToken);
    QString redact(QString text) const;

    ConnectionProfile m_profile;
    QPointer<SecretStore> m_secrets;
    QNetworkAccessManager *m_nam;
    OidcDiscovery *m_discovery;
    std::optional<OidcDiscovery::Metadata> m_metadata;
    std::vector<std::function<void(const QString &)>> m_waitingForMetadata;

    State m_state = State::LoggedOut;
    QString m_lastError;
    LoginIdentity m_identity;
    QByteArray m_accessToken;  // never logged
    QByteArray m_refreshToken; // never logged
    QByteArray m_secret;       // API key or password; never logged
    QDateTime m_accessExpiry;
    QDateTime m_sessionExpiry;
    // Bumped by login, logout and a rejected refresh: answers that arrive for an older
    // generation are dropped, so nothing brings back a login that was ended.
    quint64 m_generation = 0;

    RestorePhase m_restorePhase = RestorePhase::NotStarted;
    std::vector<std::function<void()>> m_afterRestore;

    // The browser login in progress: a network manager of its own, deleted first, because
    // Qt 6.4's flow calls its reply handler from a reply's finished() without a context.
    BrowserOpener m_browserOpener;
    int m_loginTimeoutMs = 5 * 60 * 1000;
    QTimer m_loginTimer;
    State m_stateBeforeLogin = State::LoggedOut;
    QPointer<QNetworkAccessManager> m_loginNam;
    QPointer<QOAuth2AuthorizationCodeFlow> m_flow;
    QPointer<LoopbackReplyHandler> m_replyHandler;

    RefreshPolicy m_refreshPolicy = RefreshPolicy::BeforeEveryConnect;
    int m_marginSeconds = 60;
    QList<int> m_retryDelaysMs{500, 2000};
    int m_refreshAttempt = 0;
    QTimer m_retryTimer;
    QPointer<QNetworkReply> m_refreshReply;
    std::vector<CredentialsDone> m_waiting;
};

} // namespace drover::ui
