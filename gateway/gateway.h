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
}
namespace drover::transport {
class TcpListener;
}
namespace drover::demo {
class DemoApplication;
}

namespace drover {

class Gateway : public QObject
{
    Q_OBJECT
public:
    explicit Gateway(config::Config config, QObject *parent = nullptr);
    ~Gateway() override;

    // Binds every listener and starts the demo. False with `error` naming the listener.
    bool start(QString *error);
    // Ends every connection (v5 DISCONNECT 0x8B) and closes the listeners; stopped()
    // follows once the clients are gone or after a short grace period.
    void shutdown();

    const config::Config &config() const { return m_config; }
    // mqtt://HOST:PORT of every listener, with the ports actually bound.
    QStringList listenerUrls() const;
    session::MqttServer *mqttServer() const { return m_server.get(); }

Q_SIGNALS:
    void stopped();

private:
    void finishStop();

    config::Config m_config;
    std::unique_ptr<backend::EmbeddedEventLog> m_events;
    std::unique_ptr<backend::EmbeddedCommandBus> m_commands;
    std::unique_ptr<auth::Authenticator> m_authenticator;
    std::unique_ptr<auth::AccessPolicy> m_policy;
    std::unique_ptr<session::MqttServer> m_server;
    QList<transport::TcpListener *> m_listeners;
    demo::DemoApplication *m_demo = nullptr;
    bool m_stopping = false;
    bool m_stopped = false;
};

} // namespace drover
