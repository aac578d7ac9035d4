#include "tokensession.h"

#include "loopbackreplyhandler.h"
#include "pkce.h"
#include "secretstore.h"

#include <QDesktopServices>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QOAuth2AuthorizationCodeFlow>
#include <QRandomGenerator>

Q_LOGGING_CATEGORY(lcTokens, "drover.ui.auth")

namespace drover::ui {

namespace {

constexpr int SessionFormat = 1;
constexpr int RequestTimeoutMs = 15000;

QString randomState()
{
    QByteArray random(24, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(random.data()), random.size() / 4);
    return QString::fromLatin1(
        random.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

// RFC 6749 5.2 / 4.1.2.1 error codes, said plainly.
QString describeOAuthError(const QString &error, const QString &description)
{
    QString text;
    if (error == QLatin1String("invalid_grant"))
        text = QStringLiteral("the issuer no longer accepts this login");
    else if (error == QLatin1String("access_denied"))
        text = QStringLiteral("the login was refused at the issuer");
    else if (error == QLatin1String("invalid_client") || error == QLatin1String("unauthorized_client"))
        text = QStringLiteral("the issuer does not accept the profile's client id for this login");
    else if (error == QLatin1String("invalid_scope"))
        text = QStringLiteral("the issuer refused the requested scopes");
    else if (error == QLatin1String("invalid_target"))
        text = QStringLiteral("the issuer refused the profile's audience (resource)");
    else if (error == QLatin1String("server_error") || error == QLatin1String("temporarily_unavailable"))
        text = QStringLiteral("the issuer had a problem; try again later");
    else if (!error.isEmpty())
        text = QStringLiteral("the issuer refused the request");
    else
        text = QStringLiteral("the request to the issuer failed");
    if (!error.isEmpty() && !description.isEmpty())
        text += QStringLiteral(" (%1: %2)").arg(error, description);
    else if (!error.isEmpty())
        text += QStringLiteral(" (%1)").arg(error);
    else if (!description.isEmpty())
        text += QStringLiteral(" (%1)").arg(description);
    return text;
}

// application/x-www-form-urlencoded, every byte but the unreserved ones escaped: tokens may
// hold '+', '=' or '&', which a looser encoder would pass through.
QByteArray formBody(const QList<QPair<QString, QString>> &fields)
{
    QByteArray body;
    for (const auto &field : fields) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(field.first) + '=' + QUrl::toPercentEncoding(field.second);
    }
    return body;
}

// Qt 6.4's loopback handler leaves the '+' of a form-encoded redirect query (spaces) alone.
QString fromRedirectQuery(QString text)
{
    if (text.contains(QLatin1Char('+')) && !text.contains(QLatin1Char(' ')))
        text.replace(QLatin1Char('+'), QLatin1Char(' '));
    return QUrl::fromPercentEncoding(text.toUtf8());
}

QString capitalized(QString text)
{
    if (!text.isEmpty())
        text[0] = text.at(0).toUpper();
    return text;
}

} // namespace

TokenSession::TokenSession(const ConnectionProfile &profile, SecretStore *secrets, QObject *parent)
    : QObject(parent)
    , m_profile(profile)
    , m_secrets(secrets)
    , m_nam(new QNetworkAccessManager(this))
    , m_discovery(new OidcDiscovery(m_nam, this))
    , m_browserOpener([](const QUrl &url) { QDesktopServices::openUrl(url); })
{
    m_loginTimer.setSingleShot(true);
    connect(&m_loginTimer, &QTimer::timeout, this, [this]() {
        failLogin(QStringLiteral("The login in the browser did not complete within %1.")
                      .arg(m_loginTimeoutMs >= 60000
                               ? QStringLiteral("%1 minutes").arg(m_loginTimeoutMs / 60000.0)
                               : QStringLiteral("%1 seconds").arg(m_loginTimeoutMs / 1000.0)));
    });
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &TokenSession::sendRefreshRequest);
    if (m_profile.authKind == ConnectionProfile::AuthKind::Anonymous) {
        m_state = State::LoggedIn;
        m_restorePhase = RestorePhase::Done;
    }
}

TokenSession::~TokenSession()
{
    // Not from the event loop any more: the replies go first, then the handler they call.
    delete m_loginNam.data();
    delete m_flow.data();
    delete m_replyHandler.data();
}

void TokenSession::setBrowserOpener(BrowserOpener opener)
{
    m_browserOpener = std::move(opener);
}

void TokenSession::setRefreshPolicy(RefreshPolicy policy, int marginSeconds)
{
    m_refreshPolicy = policy;
    m_marginSeconds = qMax(0, marginSeconds);
}

void TokenSession::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

// ---- restore -------------------------------------------------------------------------------

void TokenSession::restore()
{
    if (m_restorePhase != RestorePhase::NotStarted)
        return;
    if (!m_secrets || m_profile.authKind == ConnectionProfile::AuthKind::Anonymous) {
        m_restorePhase = RestorePhase::Running;
        QMetaObject::invokeMethod(
            this, [this]() { finishRestore(false); }, Qt::QueuedConnection);
        return;
    }
    m_restorePhase = RestorePhase::Running;
    const quint64 generation = m_generation;
    QPointer<TokenSession> self(this);
    const bool oauth2 = m_profile.authKind == ConnectionProfile::AuthKind::OAuth2;
    const QString key = m_profile.secretKey(oauth2 ? ConnectionProfile::Secret::OAuth2Session
                                            : m_profile.authKind == ConnectionProfile::AuthKind::ApiKey
                                                ? ConnectionProfile::Secret::ApiKey
                                                : ConnectionProfile::Secret::Password);
    m_secrets->read(key, [self, generation, oauth2, key](const SecretBackend::Result &result) {
        if (!self)
            return;
        // A login or logout since the read started wins over what was saved.
        if (generation != self->m_generation || self->m_state != State::LoggedOut || !result.ok()) {
            if (!result.ok() && result.status != SecretBackend::Status::NotFound)
                qCWarning(lcTokens).noquote() << "could not read the saved login:" << result.error;
            self->finishRestore(false);
            return;
        }
        if (!oauth2) {
            self->m_secret = result.secret.toUtf8();
            self->m_identity = LoginIdentity();
            self->m_identity.username = self->m_profile.username;
            self->setState(State::LoggedIn);
            Q_EMIT self->identityChanged();
            self->finishRestore(true);
            return;
        }
        const QJsonObject saved = QJsonDocument::fromJson(result.secret.toUtf8()).object();
        const QByteArray refreshToken = saved.value(QLatin1String("refresh_token")).toString().toUtf8();
        // A login for another issuer or client (the profile was edited) is of no use.
        if (saved.value(QLatin1String("format")).toInt() != SessionFormat || refreshToken.isEmpty() ||
            saved.value(QLatin1String("issuer")).toString() != self->m_profile.issuer.toString() ||
            saved.value(QLatin1String("client_id")).toString() != self->m_profile.oauthClientId) {
            if (self->m_secrets)
                self->m_secrets->remove(key);
            self->finishRestore(false);
            return;
        }
        self->m_refreshToken = refreshToken;
        self->m_identity = LoginIdentity::fromJson(saved.value(QLatin1String("identity")).toObject());
        self->m_sessionExpiry =
            QDateTime::fromString(saved.value(QLatin1String("session_expires")).toString(), Qt::ISODate);
        self->setState(State::LoggedIn);
        Q_EMIT self->identityChanged();
        self->finishRestore(true);
    });
}

void TokenSession::finishRestore(bool found)
{
    m_restorePhase = RestorePhase::Done;
    Q_EMIT restored(found);
    std::vector<std::function<void()>> next;
    next.swap(m_afterRestore);
    for (auto &f : next)
        f();
}

void TokenSession::afterRestore(std::function<void()> next)
{
    if (m_restorePhase == RestorePhase::Done) {
        next();
        return;
    }
    m_afterRestore.push_back(std::move(next));
    restore();
}

// ---- discovery -----------------------------------------------------------------------------

void TokenSession::withMetadata(std::function<void(const QString &error)> next)
{
    if (m_metadata) {
        next({});
        return;
    }
    m_waitingForMetadata.push_back(std::move(next));
    if (m_waitingForMetadata.size() > 1)
        return;
    m_discovery->discover(m_profile.issuer, [this](const std::optional<OidcDiscovery::Metadata> &metadata,
                                                   const QString &error) {
        // Kept for the session's life; a failed discovery is tried again next time.
        m_metadata = metadata;
        std::vector<std::function<void(const QString &)>> waiting;
        waiting.swap(m_waitingForMetadata);
        for (auto &f : waiting)
            f(error);
    });
}

// ---- browser login -------------------------------------------------------------------------

void TokenSession::login()
{
    if (m_profile.authKind != ConnectionProfile::AuthKind::OAuth2) {
        const QString message = QStringLiteral("This profile does not log in with OAuth2.");
        QMetaObject::invokeMethod(
            this, [this, message]() { Q_EMIT loginFinished(false, message); }, Qt::QueuedConnection);
        return;
    }
    if (m_state == State::LoggingIn)
        return;
    const quint64 generation = ++m_generation;
    // A new login supersedes whatever was saved (a restore under way drops its answer).
    if (m_restorePhase == RestorePhase::NotStarted)
        m_restorePhase = RestorePhase::Done;
    // A refresh in flight belongs to the login being replaced (its answer is dropped now).
    if (m_state == State::Refreshing) {
        m_retryTimer.stop();
        if (m_refreshReply)
            m_refreshReply->abort();
        completeWaiting(std::nullopt, QStringLiteral("A new login was started."));
        m_state = State::LoggedIn;
    }
    m_stateBeforeLogin = m_state;
    m_lastError.clear();
    setState(State::LoggingIn);
    withMetadata([this, generation](const QString &error) {
        if (generation != m_generation || m_state != State::LoggingIn)
            return;
        if (!error.isEmpty()) {
            failLogin(error);
            return;
        }
        startBrowserLogin();
    });
}

void TokenSession::startBrowserLogin()
{
    m_loginNam = new QNetworkAccessManager(this);
    m_replyHandler = new LoopbackReplyHandler(this);
    if (!m_replyHandler->isListening()) {
        failLogin(QStringLiteral("Could not open a port on 127.0.0.1 for the browser to return to."));
        return;
    }
    m_flow = new QOAuth2AuthorizationCodeFlow(m_loginNam, this);
    m_flow->setReplyHandler(m_replyHandler);
    m_flow->setAuthorizationUrl(m_metadata->authorizationEndpoint);
    m_flow->setAccessTokenUrl(m_metadata->tokenEndpoint);
    m_flow->setClientIdentifier(m_profile.oauthClientId);
    m_flow->setScope(m_profile.requestedScopes().join(QLatin1Char(' ')));
    // Our own state (CSRF, RFC 6749 10.12): 192 bits from the system's CSPRNG.
    m_flow->setState(randomState());

    // Qt 6.4 has no PKCE: the challenge goes into the authorization request, the verifier
    // into the token request, through the flow's parameter hook.
    const Pkce pkce = Pkce::generate();
    const QString verifier = QString::fromLatin1(pkce.verifier());
    const QString challenge = QString::fromLatin1(pkce.challenge());
    const QString audience = m_profile.audience;
    m_flow->setModifyParametersFunction(
        [verifier, challenge, audience](QAbstractOAuth::Stage stage,
                                        QMultiMap<QString, QVariant> *parameters) {
            switch (stage) {
            case QAbstractOAuth::Stage::RequestingAuthorization:
                parameters->insert(QStringLiteral("code_challenge"), challenge);
                parameters->insert(QStringLiteral("code_challenge_method"), Pkce::method());
                if (!audience.isEmpty()) {
                    // RFC 8707, and the "audience" of Auth0 and others; unknown ones are ignored.
                    parameters->insert(QStringLiteral("resource"), audience);
                    parameters->insert(QStringLiteral("audience"), audience);
                }
                break;
            case QAbstractOAuth::Stage::RequestingAccessToken:
                parameters->insert(QStringLiteral("code_verifier"), verifier);
                if (!audience.isEmpty())
                    parameters->insert(QStringLiteral("resource"), audience);
                // A public client: no (empty) secret.
                parameters->remove(QStringLiteral("client_secret"));
                break;
            default:
                break;
            }
        });

    const quint64 generation = m_generation;
    connect(m_flow, &QAbstractOAuth::authorizeWithBrowser, this, [this, generation](const QUrl &url) {
        if (generation != m_generation)
            return;
        Q_EMIT browserLoginStarted(url);
        if (m_browserOpener)
            m_browserOpener(url);
    });
    // Connected before grant(), so it sees the redirect before the flow does.
    connect(m_replyHandler, &QAbstractOAuthReplyHandler::callbackReceived, this,
            &TokenSession::onAuthorizationCallback);
    connect(m_flow, &QAbstractOAuth2::error, this,
            [this, generation](const QString &error, const QString &description, const QUrl &) {
                if (generation == m_generation && m_state == State::LoggingIn)
                    failLogin(capitalized(describeOAuthError(fromRedirectQuery(error),
                                                             fromRedirectQuery(description))) +
                              QLatin1Char('.'));
            });
    connect(m_replyHandler, &LoopbackReplyHandler::tokenRequestFailed, this,
            [this, generation](const QString &error, const QString &description, int) {
                if (generation == m_generation && m_state == State::LoggingIn)
                    failLogin(QStringLiteral("The login could not be completed: ") +
                              redact(describeOAuthError(error, description)) + QLatin1Char('.'));
            });
    connect(m_flow, &QAbstractOAuth::granted, this, [this, generation]() {
        if (generation == m_generation && m_state == State::LoggingIn)
            onGranted();
    });
    m_loginTimer.start(m_loginTimeoutMs);
    m_flow->grant();
}

void TokenSession::onAuthorizationCallback(const QVariantMap &data)
{
    if (m_state != State::LoggingIn || !m_flow)
        return;
    // RFC 9207: an issuer that names itself in the redirect must be ours (mix-up attacks).
    const QString iss = QUrl::fromPercentEncoding(data.value(QStringLiteral("iss")).toByteArray());
    if (!iss.isEmpty() && m_metadata && iss != m_metadata->issuer.toString()) {
        disconnect(m_replyHandler, &QAbstractOAuthReplyHandler::callbackReceived, m_flow, nullptr);
        failLogin(
            QStringLiteral("The browser returned from another issuer (%1), not %2: the login was stopped.")
                .arg(iss, m_metadata->issuer.toString()));
        return;
    }
    // Qt 6.4 only logs a warning for a redirect whose state doesn't match (and waits on).
    const QString state = QUrl::fromPercentEncoding(data.value(QStringLiteral("state")).toByteArray());
    if (data.contains(QStringLiteral("code")) && state != m_flow->state()) {
        disconnect(m_replyHandler, &QAbstractOAuthReplyHandler::callbackReceived, m_flow, nullptr);
        failLogin(
            QStringLiteral("The browser returned with an answer to another login request: the login was "
                           "stopped. Try again."));
    }
}

void TokenSession::onGranted()
{
    m_loginTimer.stop();
    const QVariantMap extra = m_flow->extraTokens();
    m_accessToken = m_flow->token().toUtf8();
    m_refreshToken = m_flow->refreshToken().toUtf8();
    m_accessExpiry = m_flow->expirationAt().toUTC();
    if (!m_accessExpiry.isValid()) {
        // No expires_in: a JWT says it itself.
        const qint64 exp =
            qint64(LoginIdentity::jwtClaims(m_accessToken).value(QLatin1String("exp")).toDouble());
        if (exp > 0)
            m_accessExpiry = QDateTime::fromSecsSinceEpoch(exp, Qt::UTC);
    }
    const int refreshExpiresIn = extra.value(QStringLiteral("refresh_expires_in")).toInt();
    m_sessionExpiry =
        refreshExpiresIn > 0 ? QDateTime::currentDateTimeUtc().addSecs(refreshExpiresIn) : QDateTime();
    m_identity = LoginIdentity::fromIdToken(extra.value(QStringLiteral("id_token")).toString().toUtf8());
    teardownLogin();
    if (m_accessToken.isEmpty()) {
        failLogin(QStringLiteral("The issuer's answer had no access token."));
        return;
    }
    if (m_refreshToken.isEmpty())
        qCWarning(lcTokens) << "the issuer gave no refresh token: a new login is needed when the access token"
                               " expires";
    m_lastError.clear();
    setState(State::LoggedIn);
    saveOAuth2Session();
    Q_EMIT identityChanged();
    Q_EMIT tokensChanged();
    Q_EMIT loginFinished(true, {});
}

void TokenSession::failLogin(const QString &message)
{
    m_loginTimer.stop();
    teardownLogin();
    if (m_state != State::LoggingIn)
        return;
    ++m_generation;
    m_lastError = message;
    qCInfo(lcTokens).noquote() << "login failed:" << message;
    setState(m_stateBeforeLogin);
    Q_EMIT loginFinished(false, message);
}

void TokenSession::cancelLogin()
{
    if (m_state == State::LoggingIn)
        failLogin(QStringLiteral("The login was cancelled."));
}

void TokenSession::teardownLogin()
{
    // Usually called from inside the token reply's finished(), so nothing is deleted at once.
    // Deferred deletes run in the order they were posted: the network manager (and the replies
    // it owns) goes before the handler those replies call.
    if (m_loginNam)
        m_loginNam->deleteLater();
    if (m_flow)
        m_flow->deleteLater();
    if (m_replyHandler) {
        m_replyHandler->close(); // the loopback port is open only while a login waits
        m_replyHandler->deleteLater();
    }
    m_loginNam.clear();
    m_flow.clear();
    m_replyHandler.clear();
}

// ---- API key / password --------------------------------------------------------------------

void TokenSession::loginWithSecret(const QString &secret, bool remember)
{
    if (m_profile.authKind != ConnectionProfile::AuthKind::ApiKey &&
        m_profile.authKind != ConnectionProfile::AuthKind::Password) {
        const QString message = QStringLiteral("This profile does not log in with an API key or password.");
        QMetaObject::invokeMethod(
            this, [this, message]() { Q_EMIT loginFinished(false, message); }, Qt::QueuedConnection);
        return;
    }
    ++m_generation;
    m_secret = secret.toUtf8();
    m_identity = LoginIdentity();
    m_identity.username = m_profile.username;
    m_lastError.clear();
    if (m_restorePhase != RestorePhase::Running)
        m_restorePhase = RestorePhase::Done;
    const QString key = m_profile.secretKey(m_profile.authKind == ConnectionProfile::AuthKind::ApiKey
                                                ? ConnectionProfile::Secret::ApiKey
                                                : ConnectionProfile::Secret::Password);
    if (m_secrets) {
        QPointer<TokenSession> self(this);
        auto saved = [self](const SecretBackend::Result &result) {
            if (self && !result.ok())
                Q_EMIT self->saveFailed(QStringLiteral("The secret could not be saved: ") + result.error);
        };
        if (remember)
            m_secrets->write(key, secret, saved);
        else
            m_secrets->remove(key, saved);
    }
    setState(State::LoggedIn);
    Q_EMIT identityChanged();
    QMetaObject::invokeMethod(
        this, [this]() { Q_EMIT loginFinished(true, {}); }, Qt::QueuedConnection);
}

// ---- logout --------------------------------------------------------------------------------

void TokenSession::logout()
{
    if (m_profile.authKind == ConnectionProfile::AuthKind::Anonymous) {
        QMetaObject::invokeMethod(
            this, [this]() { Q_EMIT logoutFinished(false, QStringLiteral("Anonymous: nothing to forget.")); },
            Qt::QueuedConnection);
        return;
    }
    ++m_generation;
    m_loginTimer.stop();
    teardownLogin();
    m_retryTimer.stop();
    if (m_refreshReply)
        m_refreshReply->abort();
    completeWaiting(std::nullopt, QStringLiteral("Logged out."));

    const QByteArray refreshToken = m_refreshToken;
    m_accessToken.clear();
    m_refreshToken.clear();
    m_secret.clear();
    m_accessExpiry = QDateTime();
    m_sessionExpiry = QDateTime();
    m_identity = LoginIdentity();
    m_lastError.clear();
    const bool wasRestoring = m_restorePhase == RestorePhase::Running;
    m_restorePhase = RestorePhase::Done; // nothing saved is left to restore
    setState(State::LoggedOut);
    Q_EMIT identityChanged();
    Q_EMIT tokensChanged();

    if (m_profile.authKind != ConnectionProfile::AuthKind::OAuth2) {
        if (m_secrets) {
            for (ConnectionProfile::Secret secret :
                 {ConnectionProfile::Secret::ApiKey, ConnectionProfile::Secret::Password})
                m_secrets->remove(m_profile.secretKey(secret));
        }
        QMetaObject::invokeMethod(
            this, [this]() { Q_EMIT logoutFinished(false, QStringLiteral("The secret was forgotten.")); },
            Qt::QueuedConnection);
        return;
    }

    const QString key = m_profile.secretKey(ConnectionProfile::Secret::OAuth2Session);
    if (!m_secrets) {
        revoke(refreshToken);
        return;
    }
    if (!refreshToken.isEmpty() || !wasRestoring) {
        m_secrets->remove(key);
        revoke(refreshToken);
        return;
    }
    // Logged out while the saved login was being read: read it to revoke it, then forget it.
    QPointer<TokenSession> self(this);
    m_secrets->read(key, [self, key](const SecretBackend::Result &result) {
        if (!self)
            return;
        if (self->m_secrets)
            self->m_secrets->remove(key);
        const QJsonObject saved = QJsonDocument::fromJson(result.secret.toUtf8()).object();
        self->revoke(saved.value(QLatin1String("refresh_token")).toString().toUtf8());
    });
}

void TokenSession::revoke(const QByteArray &refreshToken)
{
    if (refreshToken.isEmpty()) {
        QMetaObject::invokeMethod(
            this,
            [this]() {
                Q_EMIT logoutFinished(false, QStringLiteral("Logged out (there was no token to revoke)."));
            },
            Qt::QueuedConnection);
        return;
    }
    QPointer<TokenSession> self(this);
    withMetadata([self, refreshToken](const QString &error) {
        if (!self)
            return;
        if (!error.isEmpty() || self->m_metadata->revocationEndpoint.isEmpty()) {
            Q_EMIT self->logoutFinished(
                false, error.isEmpty() ? QStringLiteral("Logged out. The issuer offers no revocation, so "
                                                        "the login stays valid there until it expires.")
                                       : QStringLiteral("Logged out, but the login could not be revoked "
                                                        "at the issuer: ") +
                                             error);
            return;
        }
        QNetworkRequest request(self->m_metadata->revocationEndpoint);
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/x-www-form-urlencoded"));
        request.setTransferTimeout(RequestTimeoutMs);
        const QByteArray body =
            formBody({{QStringLiteral("token"), QString::fromUtf8(refreshToken)},
                      {QStringLiteral("token_type_hint"), QStringLiteral("refresh_token")},
                      {QStringLiteral("client_id"), self->m_profile.oauthClientId}});
        QNetworkReply *reply = self->m_nam->post(request, body);
        connect(reply, &QNetworkReply::finished, self, [self, reply]() {
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            // RFC 7009 2.2: 200 also for a token that was already invalid.
            if (status == 200) {
                Q_EMIT self->logoutFinished(
                    true, QStringLiteral("Logged out; the login was revoked at the issuer."));
                return;
            }
            const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
            const QString reason =
                status == 0 ? reply->errorString()
                            : describeOAuthError(body.value(QLatin1String("error")).toString(),
                                                 body.value(QLatin1String("error_description")).toString());
            Q_EMIT self->logoutFinished(
                false, QStringLiteral("Logged out, but the login could not be revoked at the "
                                      "issuer: ") +
                           self->redact(reason));
        });
    });
}

// ---- credentials for a connect attempt -----------------------------------------------------

void TokenSession::credentialsForConnect(CredentialsDone done)
{
    switch (m_profile.authKind) {
    case ConnectionProfile::AuthKind::Anonymous:
        deliver(std::move(done), MqttCredentials{}, {});
        return;
    case ConnectionProfile::AuthKind::ApiKey:
    case ConnectionProfile::AuthKind::Password:
        afterRestore([this, done = std::move(done)]() mutable {
            if (m_secret.isEmpty()) {
                deliver(std::move(done), std::nullopt,
                        m_profile.authKind == ConnectionProfile::AuthKind::ApiKey
                            ? QStringLiteral("Log in: enter the API key of %1.").arg(m_profile.username)
                            : QStringLiteral("Log in: enter the password of %1.").arg(m_profile.username));
                return;
            }
            deliver(std::move(done), credentials(), {});
        });
        return;
    case ConnectionProfile::AuthKind::OAuth2:
        afterRestore([this, done = std::move(done)]() mutable { connectOAuth2(std::move(done)); });
        return;
    }
}

void TokenSession::connectOAuth2(CredentialsDone done)
{
    switch (m_state) {
    case State::LoggedOut:
        deliver(std::move(done), std::nullopt, QStringLiteral("Not logged in: log in first."));
        return;
    case State::LoggingIn:
        deliver(std::move(done), std::nullopt,
                QStringLiteral("The login is not finished: complete it in the browser."));
        return;
    case State::LoginRequired:
        deliver(std::move(done), std::nullopt, QStringLiteral("Login required: ") + m_lastError);
        return;
    case State::Refreshing:
        m_waiting.push_back(std::move(done));
        return;
    case State::LoggedIn:
        break;
    }
    if (m_refreshToken.isEmpty()) {
        if (accessTokenFresh()) {
            deliver(std::move(done), credentials(), {});
            return;
        }
        refreshRejected(
            QStringLiteral("the access token expired and the issuer gave no refresh token; log in "
                           "again"));
        deliver(std::move(done), std::nullopt, QStringLiteral("Login required: ") + m_lastError);
        return;
    }
    if (m_refreshPolicy == RefreshPolicy::WhenExpiring && accessTokenFresh()) {
        deliver(std::move(done), credentials(), {});
        return;
    }
    m_waiting.push_back(std::move(done));
    startRefresh();
}

bool TokenSession::accessTokenFresh() const
{
    return !m_accessToken.isEmpty() && m_accessExpiry.isValid() &&
           QDateTime::currentDateTimeUtc().addSecs(m_marginSeconds) < m_accessExpiry;
}

MqttCredentials TokenSession::credentials() const
{
    MqttCredentials c;
    switch (m_profile.authKind) {
    case ConnectionProfile::AuthKind::Anonymous:
        break;
    case ConnectionProfile::AuthKind::OAuth2:
        // 3.1.1 can't send a password without a user name (validate() refuses that profile).
        if (m_profile.mqttVersion == ConnectionProfile::MqttVersion::V5 &&
            m_profile.tokenPlacement == ConnectionProfile::TokenPlacement::Password)
            c.password = m_accessToken;
        else
            c.username = m_accessToken;
        c.expiresAt = m_accessExpiry;
        break;
    case ConnectionProfile::AuthKind::ApiKey:
    case ConnectionProfile::AuthKind::Password:
        c.username = m_profile.username.toUtf8();
        c.password = m_secret;
        break;
    }
    return c;
}

void TokenSession::startRefresh()
{
    setState(State::Refreshing);
    m_refreshAttempt = 0;
    sendRefreshRequest();
}

void TokenSession::sendRefreshRequest()
{
    const quint64 generation = m_generation;
    withMetadata([this, generation](const QString &error) {
        if (generation != m_generation || m_state != State::Refreshing)
            return;
        if (!error.isEmpty()) {
            refreshFailedTransiently(error);
            return;
        }
        QNetworkRequest request(m_metadata->tokenEndpoint);
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/x-www-form-urlencoded"));
        request.setRawHeader("Accept", "application/json");
        request.setTransferTimeout(RequestTimeoutMs);
        QList<QPair<QString, QString>> fields{
            {QStringLiteral("grant_type"), QStringLiteral("refresh_token")},
            {QStringLiteral("refresh_token"), QString::fromUtf8(m_refreshToken)},
            {QStringLiteral("client_id"), m_profile.oauthClientId}};
        if (!m_profile.audience.isEmpty())
            fields.append({QStringLiteral("resource"), m_profile.audience});
        const QByteArray body = formBody(fields);
        const QDateTime sentAt = QDateTime::currentDateTimeUtc();
        QNetworkReply *reply = m_nam->post(request, body);
        m_refreshReply = reply;
        connect(reply, &QNetworkReply::finished, this, [this, reply, sentAt, generation]() {
            reply->deleteLater();
            if (generation != m_generation || m_state != State::Refreshing)
                return;
            onRefreshReply(reply, sentAt);
        });
    });
}

void TokenSession::onRefreshReply(QNetworkReply *reply, const QDateTime &sentAt)
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
    if (status == 0) {
        refreshFailedTransiently(
            QStringLiteral("the issuer could not be reached (%1)").arg(reply->errorString()));
        return;
    }
    const QString error = body.value(QLatin1String("error")).toString();
    const QString description = body.value(QLatin1String("error_description")).toString();
    if (status >= 500 || status == 429 || error == QLatin1String("temporarily_unavailable")) {
        refreshFailedTransiently(QStringLiteral("the issuer answered HTTP %1%2")
                                     .arg(status)
                                     .arg(error.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(error)));
        return;
    }
    if (status != 200) {
        // The issuer looked at the refresh token and said no: only a new login helps.
        const QString why =
            error == QLatin1String("invalid_grant")
                ? QStringLiteral("the issuer rejected the refresh token (%1)")
                      .arg(description.isEmpty() ? error : error + QStringLiteral(": ") + description)
                : describeOAuthError(error, description);
        refreshRejected(redact(why) + QStringLiteral("; log in again"));
        return;
    }
    const QByteArray accessToken = body.value(QLatin1String("access_token")).toString().toUtf8();
    if (accessToken.isEmpty()) {
        refreshFailedTransiently(QStringLiteral("the issuer's answer had no access token"));
        return;
    }
    m_accessToken = accessToken;
    const qint64 expiresIn = qint64(body.value(QLatin1String("expires_in")).toDouble());
    if (expiresIn > 0) {
        // From when the request left: errs on the early side.
        m_accessExpiry = sentAt.addSecs(expiresIn);
    } else {
        const qint64 exp =
            qint64(LoginIdentity::jwtClaims(m_accessToken).value(QLatin1String("exp")).toDouble());
        m_accessExpiry = exp > 0 ? QDateTime::fromSecsSinceEpoch(exp, Qt::UTC) : QDateTime();
    }
    bool save = false;
    // Rotated refresh tokens (RFC 9700 4.14): the old one is spent now.
    const QByteArray refreshToken = body.value(QLatin1String("refresh_token")).toString().toUtf8();
    if (!refreshToken.isEmpty() && refreshToken != m_refreshToken) {
        m_refreshToken = refreshToken;
        save = true;
    }
    const qint64 refreshExpiresIn = qint64(body.value(QLatin1String("refresh_expires_in")).toDouble());
    if (refreshExpiresIn > 0) {
        m_sessionExpiry = sentAt.addSecs(refreshExpiresIn);
        save = true;
    }
    const QByteArray idToken = body.value(QLatin1String("id_token")).toString().toUtf8();
    if (!idToken.isEmpty()) {
        const LoginIdentity identity = LoginIdentity::fromIdToken(idToken);
        if (!identity.isEmpty() && !(identity == m_identity)) {
            m_identity = identity;
            save = true;
            Q_EMIT identityChanged();
        }
    }
    if (save)
        saveOAuth2Session();
    m_lastError.clear();
    setState(State::LoggedIn);
    Q_EMIT tokensChanged();
    completeWaiting(credentials(), {});
}

void TokenSession::refreshFailedTransiently(const QString &reason)
{
    if (m_refreshAttempt < m_retryDelaysMs.size()) {
        m_retryTimer.start(m_retryDelaysMs.at(m_refreshAttempt++));
        return;
    }
    m_lastError = QStringLiteral("Could not refresh the access token: %1.").arg(reason);
    qCInfo(lcTokens).noquote() << m_lastError;
    setState(State::LoggedIn);
    // The gateway checks the token at CONNECT only: one still valid for the margin will do.
    if (accessTokenFresh()) {
        completeWaiting(credentials(), {});
        return;
    }
    completeWaiting(std::nullopt, m_lastError);
}

void TokenSession::refreshRejected(const QString &message)
{
    ++m_generation;
    m_retryTimer.stop();
    m_lastError = message;
    qCInfo(lcTokens).noquote() << "login required:" << message;
    m_accessToken.clear();
    m_refreshToken.clear();
    m_accessExpiry = QDateTime();
    m_sessionExpiry = QDateTime();
    // The identity stays, to say whose login ended.
    if (m_secrets)
        m_secrets->remove(m_profile.secretKey(ConnectionProfile::Secret::OAuth2Session));
    setState(State::LoginRequired);
    Q_EMIT tokensChanged();
    completeWaiting(std::nullopt, QStringLiteral("Login required: ") + message);
}

void TokenSession::completeWaiting(const std::optional<MqttCredentials> &credentials, const QString &error)
{
    std::vector<CredentialsDone> waiting;
    waiting.swap(m_waiting);
    for (CredentialsDone &done : waiting)
        deliver(std::move(done), credentials, error);
}

void TokenSession::deliver(CredentialsDone done, const std::optional<MqttCredentials> &credentials,
                           const QString &error)
{
    if (!done)
        return;
    // Always from the event loop, so that callers never see their callback run inside the call.
    QMetaObject::invokeMethod(
        this, [done = std::move(done), credentials, error]() { done(credentials, error); },
        Qt::QueuedConnection);
}

// ---- persistence ---------------------------------------------------------------------------

void TokenSession::saveOAuth2Session()
{
    if (!m_secrets || m_refreshToken.isEmpty())
        return;
    const QJsonObject saved{
        {QStringLiteral("format"), SessionFormat},
        {QStringLiteral("issuer"), m_profile.issuer.toString()},
        {QStringLiteral("client_id"), m_profile.oauthClientId},
        {QStringLiteral("refresh_token"), QString::fromUtf8(m_refreshToken)},
        {QStringLiteral("identity"), m_identity.toJson()},
        {QStringLiteral("session_expires"),
         m_sessionExpiry.isValid() ? m_sessionExpiry.toString(Qt::ISODate) : QString()},
    };
    QPointer<TokenSession> self(this);
    m_secrets->write(
        m_profile.secretKey(ConnectionProfile::Secret::OAuth2Session),
        QString::fromUtf8(QJsonDocument(saved).toJson(QJsonDocument::Compact)),
        [self](const SecretBackend::Result &result) {
            if (self && !result.ok())
                Q_EMIT self->saveFailed(
                    QStringLiteral("The login could not be saved; it lasts until the console quits: ") +
                    result.error);
        });
}

QString TokenSession::redact(QString text) const
{
    // Issuers don't echo tokens in their errors; this makes sure of it.
    for (const QByteArray &secret : {m_accessToken, m_refreshToken, m_secret}) {
        if (secret.size() >= 8)
            text.replace(QString::fromUtf8(secret), QStringLiteral("[redacted]"));
    }
    return text;
}

} // namespace drover::ui
