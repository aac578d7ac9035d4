// The device HTTP endpoint, as Drogue Cloud's http-endpoint: POST /v1/<channel> with basic
// auth <device>@<application> sends one event (the body, byte for byte); ?as=<device> sends
// it for a device this one is a gateway for; ?ct=<seconds> then waits for a command for
// that device and returns it as the response. Everything is asynchronous on the event loop:
// the password check runs on the registry's pool, and a waiting request costs a socket and
// a small object, no thread.
#pragma once

#include "backend/deviceeventpublisher.h"

#include <QAbstractHttpServer>
#include <QHostAddress>
#include <functional>
#include <memory>

namespace drover::backend {
class EventLog;
class EmbeddedCommandBus;
} // namespace drover::backend
namespace drover::registry {
class DeviceRegistry;
}

namespace drover::http {

class HttpExchange;

struct DeviceHttpLimits {
    // Larger bodies get 413; the same bound as an MQTT packet, so a device is not allowed
    // more over HTTP than over MQTT.
    qint64 maxBodyBytes = 1024 * 1024;
    // ?ct= above this is cut down to it: a request must not hold its socket for ever.
    int maxCommandTimeoutSeconds = 60;
};

class DeviceHttpEndpoint : public QAbstractHttpServer
{
    Q_OBJECT
public:
    using RegistryGetter = std::function<std::shared_ptr<const registry::DeviceRegistry>()>;
    DeviceHttpEndpoint(backend::EventLog *events, backend::EmbeddedCommandBus *commands,
                       RegistryGetter registry, const QByteArray &instance, DeviceHttpLimits limits,
                       QObject *parent = nullptr);
    ~DeviceHttpEndpoint() override;

    // Binds one more listener; false with `error` set if it can't. The bound port is in url().
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    // http://HOST:PORT of every listener, with the ports actually bound.
    QStringList urls() const;
    // Stops accepting connections; requests in flight are still answered.
    void close();

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    struct Post;
    void authenticated(HttpExchange *exchange, const std::shared_ptr<Post> &post);
    void waitForCommand(HttpExchange *exchange, const QString &application, const QString &device,
                        int seconds);

    backend::EmbeddedCommandBus *m_commands;
    RegistryGetter m_registry;
    backend::DeviceEventPublisher m_publisher;
    DeviceHttpLimits m_limits;
};

} // namespace drover::http
