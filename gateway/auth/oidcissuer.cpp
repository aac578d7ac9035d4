#include "oidcissuer.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QStringList>

Q_LOGGING_CATEGORY(lcIssuer, "drover.auth.issuer")

namespace drover::auth {

namespace {

constexpr size_t MaxWaiters = 10000; // CONNECTs waiting for one issuer's keys
constexpr qint64 MinRetryMs = 1000;  // a failed fetch is not repeated sooner for a CONNECT
constexpr int MaxRetryDelayMs = 60 * 1000;

// Endpoints named by the discovery document follow the issuer URL's rule: https, or http
// on loopback only.
bool isAcceptableEndpoint(const QUrl &url)
{
    if (!url.isValid() || url.isRelative() || url.host().isEmpty())
        return false;
    if (url.scheme() == QLatin1String("https"))
        return true;
    return url.scheme() == QLatin1String("http") &&
           (url.host() == QLatin1String("localhost") || QHostAddress(url.host()).isLoopback());
}

} // namespace

OidcIssuer::OidcIssuer(const QString &url, qint64 keyRefetchIntervalMs, QNetworkAccessManager *network,
                       QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_refetchIntervalMs(keyRefetchIntervalMs)
    , m_network(network)
{
    m_retryTimer.setSingleShot(true);
    m_refreshTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &OidcIssuer::fetch);
    connect(&m_refreshTimer, &QTimer::timeout, this, &OidcIssuer::fetch);
}

OidcIssuer::~OidcIssuer()
{
    // abort() emits finished() at once: nothing of ours may run from it any more.
    if (QNetworkReply *reply = m_reply.data()) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

const JsonWebKeySet &OidcIssuer::keys() const
{
    static const JsonWebKeySet none;
    return m_keys ? *m_keys : none;
}

void OidcIssuer::start()
{
    if (m_started)
        return;
    m_started = true;
    fetch();
}

void OidcIssuer::requestKeys(bool refetch, QObject *context, KeysReady done)
{
    if (!m_fetching) {
        if (m_keys && !refetch)
            return done({});
        // Rate limit: a stream of tokens with made-up key ids must not make us hammer the issuer.
        if (m_keys && refetch && m_lastKeyFetch.isValid() && m_lastKeyFetch.elapsed() < m_refetchIntervalMs)
            return done({});
        if (!m_keys && m_lastFailure.isValid() && m_lastFailure.elapsed() < MinRetryMs)
            return done(m_lastError);
    }
    if (m_waiters.size() >= MaxWaiters)
        return done(QStringLiteral("too many connections wait for the keys of issuer %1").arg(m_url));
    m_waiters.push_back(Waiter{context, context != nullptr, std::move(done)});
    fetch();
}

void OidcIssuer::fetch()
{
    if (m_fetching)
        return;
    m_fetching = true;
    m_retryTimer.stop();
    m_refreshTimer.stop();
    if (!m_jwksUri.isEmpty())
        return fetchKeys();
    QString base = m_url;
    if (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    QNetworkReply *reply = get(QUrl(base + QLatin1String("/.well-known/openid-configuration")));
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onDiscovery(reply); });
}

void OidcIssuer::fetchKeys()
{
    ++m_keyFetches;
    m_lastKeyFetch.start();
    QNetworkReply *reply = get(m_jwksUri);
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onKeys(reply); });
}

QNetworkReply *OidcIssuer::get(const QUrl &url)
{
    QNetworkRequest request(url);
    request.setTransferTimeout(RequestTimeoutMs);
    request.setRawHeader("Accept", "application/json");
    QNetworkReply *reply = m_network->get(request);
    m_reply = reply;
    // A document larger than any key set or discovery document is not read to the end.
    connect(reply, &QNetworkReply::downloadProgress, reply, [reply](qint64 received, qint64) {
        if (received > MaxDocumentBytes)
            reply->abort();
    });
    return reply;
}

QString OidcIssuer::replyError(QNetworkReply *reply, QByteArray *body)
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() == QNetworkReply::OperationCanceledError)
        return QStringLiteral("no complete answer within %1 s (or larger than %2 bytes)")
            .arg(RequestTimeoutMs / 1000)
            .arg(MaxDocumentBytes);
    if (reply->error() != QNetworkReply::NoError && status == 0)
        return reply->errorString();
    if (status != 200)
        return QStringLiteral("HTTP status %1 from %2").arg(status).arg(reply->url().toString());
    *body = reply->read(MaxDocumentBytes + 1);
    if (body->size() > MaxDocumentBytes)
        return QStringLiteral("the document is larger than %1 bytes").arg(MaxDocumentBytes);
    return {};
}

void OidcIssuer::onDiscovery(QNetworkReply *reply)
{
    reply->deleteLater();
    QByteArray body;
    if (const QString error = replyError(reply, &body); !error.isEmpty())
        return finishFetch(QStringLiteral("discovery failed: %1").arg(error));
    const QJsonObject document = QJsonDocument::fromJson(body).object();
    const QString issuer = document.value(QLatin1String("issuer")).toString();
    // OpenID Connect Discovery 4.3: the document must be that of the issuer we asked.
    if (issuer != m_url)
        return finishFetch(QStringLiteral("its discovery document names issuer \"%1\", not \"%2\"")
                               .arg(issuer.left(200), m_url));
    const QUrl jwksUri(document.value(QLatin1String("jwks_uri")).toString(), QUrl::StrictMode);
    if (!isAcceptableEndpoint(jwksUri))
        return finishFetch(QStringLiteral("its discovery document has no usable jwks_uri"));
    const QUrl introspection(document.value(QLatin1String("introspection_endpoint")).toString(),
                             QUrl::StrictMode);
    m_introspectionEndpoint = isAcceptableEndpoint(introspection) ? introspection : QUrl();
    m_jwksUri = jwksUri;
    fetchKeys();
}

void OidcIssuer::onKeys(QNetworkReply *reply)
{
    reply->deleteLater();
    QByteArray body;
    if (const QString error = replyError(reply, &body); !error.isEmpty())
        return finishFetch(QStringLiteral("fetching its keys failed: %1").arg(error));
    QString error;
    std::optional<JsonWebKeySet> keys = JsonWebKeySet::parse(body, &error);
    if (!keys)
        return finishFetch(error);
    QStringList kids;
    for (const QJsonObject &key : keys->keys())
        kids.append(key.value(QLatin1String("kid")).toString(QStringLiteral("(no kid)")));
    qCInfo(lcIssuer).noquote() << "token issuer" << m_url << "has" << keys->size()
                               << "signing keys:" << kids.join(QLatin1String(", "));
    m_keys = std::move(keys);
    m_retryDelayMs = 1000;
    finishFetch({});
    Q_EMIT keysFetched();
}

void OidcIssuer::finishFetch(const QString &error)
{
    m_fetching = false;
    m_reply = nullptr;
    if (error.isEmpty()) {
        m_lastError.clear();
        m_refreshTimer.start(RefreshIntervalMs);
    } else {
        m_lastError = QStringLiteral("token issuer %1 unavailable: %2").arg(m_url, error);
        m_lastFailure.start();
        m_jwksUri.clear(); // the next attempt starts from discovery: the endpoints may have moved
        qCWarning(lcIssuer).noquote()
            << m_lastError
            << QStringLiteral("(retrying in %1 s%2)")
                   .arg(m_retryDelayMs / 1000)
                   .arg(m_keys ? QStringLiteral("; the keys fetched before stay in use") : QString());
        m_retryTimer.start(m_retryDelayMs);
        m_retryDelayMs = std::min(m_retryDelayMs * 2, MaxRetryDelayMs);
    }
    std::vector<Waiter> waiters;
    waiters.swap(m_waiters);
    for (Waiter &waiter : waiters) {
        if (waiter.hasContext && !waiter.context)
            continue;
        waiter.done(error.isEmpty() ? QString() : m_lastError);
    }
}

} // namespace drover::auth
