// One gateway, assembled from a Config: backend, auth, MQTT server, listeners, demo.
// droverd runs it headless; the console runs the same object in its own event loop.
#pragma once

#include "config/config.h"

#include <QObject>
#include <QStringList>
#include <memory>

namespace drover::backend {
class EmbeddedEventLog;
class EmbeddedCommandBus;
} // namespace drover::backend
namespace drover::auth {
class Authenticator;
class AccessPolicy;
} // namespace drover::auth
namespace drover::session {
class MqttServer;
class DeviceEndpoint;
} // namespace drover::session
namespace drover::transport {
class TcpListener;
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
    // current one as a whole, and the applications' anonymous rights are replaced. Nothing
    // else of config is applied (listeners, limits, retention and the demo need a restart).
    // Connections stay; password checks already running finish against the old registry.
    void reload(const config::Config &config);

    const config::Config &config() const { return m_config; }
    // The current device registry. Hold on to the pointer for as long as a consistent view
    // is needed; a reload swaps in a new registry and leaves the old one to its holders.
    std::shared_ptr<const registry::DeviceRegistry> registry() const { return m_registry; }
    // mqtt://HOST:PORT (and ws://HOST:PORT/mqtt) of every listener of the integration API /
    // device endpoint, with the ports actually bound.
    QStringList listenerUrls() const;
    QStringList deviceListenerUrls() const;
    // http://HOST:PORT of every listener of the device HTTP endpoint.
    QStringList deviceHttpUrls() const;
    session::MqttServer *mqttServer() const { return m_server.get(); }

Q_SIGNALS:
    void stopped();

private:
    void finishStop();
    void prepareDemoDevices();
    void applyApplications();

    config::Config m_config;
    std::unique_ptr<backend::EmbeddedEventLog> m_events;
    std::unique_ptr<backend::EmbeddedCommandBus> m_commands;
    std::unique_ptr<auth::Authenticator> m_authenticator;
    std::unique_ptr<auth::AccessPolicy> m_policy;
    std::shared_ptr<const registry::DeviceRegistry> m_registry;
    std::unique_ptr<session::MqttServer> m_server;
    std::unique_ptr<RegistryDirectory> m_directory;
    std::unique_ptr<auth::Authenticator> m_deviceAuthenticator;
    std::unique_ptr<session::DeviceEndpoint> m_deviceEndpoint;
    std::unique_ptr<session::MqttServer> m_deviceServer;
    std::unique_ptr<http::DeviceHttpEndpoint> m_httpEndpoint;
    QList<transport::TcpListener *> m_listeners;       // all of them
    QList<transport::TcpListener *> m_deviceListeners; // those of the device endpoint
    // MQTT over WebSockets, for the integration API and the device endpoint; children of
    // this object.
    QList<transport::WebSocketListener *> m_webSocketListeners;
    QList<transport::WebSocketListener *> m_deviceWebSocketListeners;
    demo::DemoApplication *m_demo = nullptr;
    QStringList m_demoDevices;     // the simulated ones (names the configuration doesn't take)
    QByteArray m_demoPassword;     // theirs, random per process; never logged
    QByteArray m_demoPasswordHash; // in the registry, beside the configured devices
    bool m_stopping = false;
    bool m_stopped = false;
};

} // namespace drover
