// One gateway, assembled from a Config: backend, auth, MQTT server, listeners, demo.
// droverd runs it headless; the console runs the same object in its own event loop.
#pragma once

#include "config/config.h"

#include <QObject>
#include <QStringList>
#include <functional>
#include <memory>

namespace drover::backend {
class EmbeddedEventLog;
class EmbeddedCommandBus;
} // namespace drover::backend
namespace drover::auth {
class CredentialAuthenticator;
class DeviceAuthenticator;
class AccessPolicy;
class StoredApiKeyVerifier;
class JwtVerifier;
} // namespace drover::auth
namespace drover::session {
class MqttServer;
class DeviceEndpoint;
} // namespace drover::session
namespace drover::transport {
class TcpListener;
class TlsCredentials;
class TlsListener;
class WebSocketListener;
} // namespace drover::transport
namespace drover::demo {
class DemoApplication;
}
namespace drover::registry {
class DeviceRegistry;
}
namespace drover::http {
class DeviceHttpEndpoint;
}

namespace drover {

class RegistryDirectory;

class Gateway : public QObject
{
    Q_OBJECT
public:
    explicit Gateway(config::Config config, QObject *parent = nullptr);
    ~Gateway() override;

    // Binds every listener and starts the demo. False with `error` naming the listener that
    // can't be bound; with `skipped`, such listeners are left out (each named there) and the
    // gateway starts without them (the console, which needs none for itself, does this).
    bool start(QString *error, QStringList *skipped = nullptr);
    // Ends every connection (v5 DISCONNECT 0x8B) and closes the listeners; stopped()
    // follows once the clients are gone or after a short grace period.
    void shutdown();

    // Takes the applications and devices of config: a new device registry replaces the
    // current one as a whole, and the applications' anonymous rights and members are
    // replaced; the API keys are read again. Nothing else of config is applied (listeners,
    // limits, retention, the state directory and the demo need a restart). Connections stay;
    // password checks already running finish against the old registry.
    void reload(const config::Config &config);

    // TLS (mqtts, device-mqtts, wss, device-wss listeners): reads the certificate, key and
    // client CA of config().tls. False with `error` ("cannot use the TLS certificate: <file>:
    // <reason>") when they can't be used; true when no listener needs them. start() calls it
    // if nobody did; droverd calls it first, so that a bad certificate is a configuration error.
    bool loadCertificates(QString *error);
    bool hasTlsListeners() const;
    // Reads the TLS files of config().tls again (reload() does it with the new [tls]): new
    // connections get the new certificate, established ones keep theirs. A certificate or
    // key that can't be used leaves the running one in place, and the log says why.
    void reloadCertificates();

    const config::Config &config() const { return m_config; }
    // The current device registry. Hold on to the pointer for as long as a consistent view
    // is needed; a reload swaps in a new registry and leaves the old one to its holders.
    std::shared_ptr<const registry::DeviceRegistry> registry() const { return m_registry; }
    // mqtt://HOST:PORT (and mqtts://, ws://HOST:PORT/mqtt, wss://) of every listener of the
    // integration API / device endpoint, with the ports actually bound.
    QStringList listenerUrls() const;
    QStringList deviceListenerUrls() const;
    // http://HOST:PORT of every listener of the device HTTP endpoint.
    QStringList deviceHttpUrls() const;
    session::MqttServer *mqttServer() const { return m_server.get(); }

    // Whether the --demo devices are all connected and listening for commands.
    bool isDemoReady() const { return m_demoReady; }

Q_SIGNALS:
    void stopped();
    void demoReady();

private:
    void finishStop();
    void prepareDemoDevices();
    void applyApplications();
    using CannotListen = std::function<bool(const QString &what, const config::ListenerConfig &listener,
                                            const QString &reason)>;
    bool startTlsListeners(const CannotListen &cannotListen);
    void applyCertificates(const config::TlsConfig &tls);

    config::Config m_config;
    std::unique_ptr<backend::EmbeddedEventLog> m_events;
    std::unique_ptr<backend::EmbeddedCommandBus> m_commands;
    // The state directory's api-keys.json; before the authenticator, which points to it.
    std::unique_ptr<auth::StoredApiKeyVerifier> m_apiKeys;
    // OAuth2 access tokens of config().tokenIssuers (none configured: null); before the
    // authenticator, which points to it.
    std::unique_ptr<auth::JwtVerifier> m_tokens;
    std::unique_ptr<auth::CredentialAuthenticator> m_authenticator;
    std::unique_ptr<auth::AccessPolicy> m_policy;
    std::shared_ptr<const registry::DeviceRegistry> m_registry;
    std::unique_ptr<session::MqttServer> m_server;
    std::unique_ptr<RegistryDirectory> m_directory;
    std::unique_ptr<auth::DeviceAuthenticator> m_deviceAuthenticator;
    std::unique_ptr<session::DeviceEndpoint> m_deviceEndpoint;
    std::unique_ptr<session::MqttServer> m_deviceServer;
    std::unique_ptr<http::DeviceHttpEndpoint> m_httpEndpoint;
    QList<transport::TcpListener *> m_listeners;       // all of them
    QList<transport::TcpListener *> m_deviceListeners; // those of the device endpoint
    // MQTT over WebSockets, for the integration API and the device endpoint; children of
    // this object.
    QList<transport::WebSocketListener *> m_webSocketListeners;
    QList<transport::WebSocketListener *> m_deviceWebSocketListeners;
    // MQTT over TLS (children of this object) and what every TLS listener presents; secure
    // WebSocket listeners are in the lists above.
    std::unique_ptr<transport::TlsCredentials> m_tls;
    QList<transport::TlsListener *> m_tlsListeners;
    QList<transport::TlsListener *> m_deviceTlsListeners;
    demo::DemoApplication *m_demo = nullptr;
    bool m_demoReady = false;
    QStringList m_demoDevices;     // the simulated ones (names the configuration doesn't take)
    QByteArray m_demoPassword;     // theirs, random per process; never logged
    QByteArray m_demoPasswordHash; // in the registry, beside the configured devices
    bool m_stopping = false;
    bool m_stopped = false;
};

} // namespace drover
