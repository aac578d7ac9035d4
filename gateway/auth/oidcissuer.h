// One configured token issuer as the gateway sees it: its OpenID Connect discovery document
// (<url>/.well-known/openid-configuration) and its signing keys (jwks_uri), fetched
// asynchronously and cached. Fetching again is rate-limited: a token signed by a key the
// cache lacks (a rotation, or a forgery) refetches the keys at most once per interval, and
// while the issuer is unreachable at startup the fetch is retried with backoff.
#pragma once

#include "jsonwebkeyset.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>
#include <functional>
#include <optional>
#include <vector>

class QNetworkAccessManager;
class QNetworkReply;

namespace drover::auth {

class OidcIssuer : public QObject
{
    Q_OBJECT
public:
    // `network` is not owned and must outlive this object.
    OidcIssuer(const QString &url, qint64 keyRefetchIntervalMs, QNetworkAccessManager *network,
               QObject *parent = nullptr);
    ~OidcIssuer() override;

    // Starts fetching discovery and keys (once; later calls do nothing).
    void start();

    // Empty: keys() is as current as it may be; otherwise why the issuer's keys could not be
    // fetched (keys() may still hold an older set).
    using KeysReady = std::function<void(const QString &error)>;
    // Runs `done` once keys are at hand (at once when cached and `refetch` is false), from
    // the event loop or before returning, and not at all if `context` is destroyed first.
    // With `refetch` (the caller's token names a key the cache lacks) the keys are fetched
    // again unless they were fetched less than the refetch interval ago. While a fetch runs,
    // callers wait for it (each request is bounded by a timeout).
    void requestKeys(bool refetch, QObject *context, KeysReady done);

    QString url() const { return m_url; }
    bool hasKeys() const { return m_keys.has_value(); }
    const JsonWebKeySet &keys() const;
    // The discovery document's introspection_endpoint (empty until discovered, or if none).
    QUrl introspectionEndpoint() const { return m_introspectionEndpoint; }
    // How many times the key set was requested from the issuer (for tests and logs).
    int keyFetches() const { return m_keyFetches; }

    // Bounds of one HTTP request (discovery or keys).
    static constexpr int RequestTimeoutMs = 5000;
    static constexpr qint64 MaxDocumentBytes = 1024 * 1024;
    // A key set older than this is fetched again in the background (keys the issuer
    // withdrew stop being trusted).
    static constexpr int RefreshIntervalMs = 3600 * 1000;

Q_SIGNALS:
    void keysFetched(); // a fetch succeeded (tests wait for it)

private:
    struct Waiter {
        QPointer<QObject> context;
        bool hasContext = false;
        KeysReady done;
    };

    void fetch();
    void fetchKeys();
    QNetworkReply *get(const QUrl &url);
    void onDiscovery(QNetworkReply *reply);
    void onKeys(QNetworkReply *reply);
    void finishFetch(const QString &error);
    static QString replyError(QNetworkReply *reply, QByteArray *body);

    QString m_url;
    qint64 m_refetchIntervalMs;
    QNetworkAccessManager *m_network;
    bool m_started = false;
    bool m_fetching = false;
    QPointer<QNetworkReply> m_reply;
    QUrl m_jwksUri;
    QUrl m_introspectionEndpoint;
    std::optional<JsonWebKeySet> m_keys;
    std::vector<Waiter> m_waiters;
    QElapsedTimer m_lastKeyFetch; // when the last key fetch started
    QElapsedTimer m_lastFailure;
    QString m_lastError;
    int m_keyFetches = 0;
    int m_retryDelayMs = 1000;
    QTimer m_retryTimer;   // while there are no keys: the next attempt
    QTimer m_refreshTimer; // with keys: the next background refresh
};

} // namespace drover::auth
