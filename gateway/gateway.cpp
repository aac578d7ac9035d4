#include "gateway.h"

#include "auth/accesspolicy.h"
#include "auth/credentialauthenticator.h"
#include "backend/embeddedcommandbus.h"
#include "backend/embeddedeventlog.h"
#include "demo/demoapplication.h"
#include "session/mqttserver.h"
#include "transport/tcplistener.h"

#include <QLoggingCategory>
#include <QTimer>

Q_LOGGING_CATEGORY(lcGateway, "drover.gateway")

namespace drover {

namespace {

session::ServerLimits limitsFrom(const config::SessionConfig &c)
{
    session::ServerLimits limits;
    limits.maxSessionExpirySeconds = c.maxSessionExpirySeconds;
    limits.maxInflight = c.maxInflight;
    limits.maxPacketSize = c.maxPacketSize;
    limits.topicAliasMaximum = c.topicAliasMaximum;
    limits.maxKeepAliveSeconds = c.maxKeepAliveSeconds;
    limits.socketHighWaterBytes = c.socketHighWaterBytes;
    return limits;
}

} // namespace

Gateway::Gateway(config::Config config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    m_events = std::make_unique<backend::EmbeddedEventLog>(
        backend::RetentionLimits{m_config.retention.maxEvents, m_config.retention.maxBytes},
        m_config.retention.groupIdleSeconds * 1000);
    m_commands = std::make_unique<backend::EmbeddedCommandBus>();
    m_authenticator = std::make_unique<auth::CredentialAuthenticator>();
    m_policy = std::make_unique<auth::AccessPolicy>();
    for (const config::ApplicationConfig &app : std::as_const(m_config.applications))
        m_policy->setApplication(app.name, {app.anonymousRead, app.anonymousCommand});
    if (m_config.demo.enabled && !m_config.application(m_config.demo.application)) {
        // The demo is for trying Drover out: anonymous clients may read and command it.
        m_policy->setApplication(m_config.demo.application, {true, true});
    }

    session::ServerContext context;
    context.events = m_events.get();
    context.commands = m_commands.get();
    context.authenticator = m_authenticator.get();
    context.policy = m_policy.get();
    context.limits = limitsFrom(m_config.session);
    m_server = std::make_unique<session::MqttServer>(context);
    connect(m_server.get(), &session::MqttServer::drained, this, &Gateway::finishStop);
}

Gateway::~Gateway()
{
    delete m_demo;
    qDeleteAll(m_listeners);
    m_server.reset(); // before the backend its sessions consume from
}

bool Gateway::start(QString *error)
{
    for (const config::ListenerConfig &listenerConfig : std::as_const(m_config.listeners)) {
        auto *listener = new transport::TcpListener(m_server.get());
        m_listeners.append(listener);
        QString reason;
        if (!listener->listen(listenerConfig.address, listenerConfig.port, &reason)) {
            if (error)
                *error = QStringLiteral("cannot listen for MQTT on %1: %2")
                             .arg(config::formatListenAddress(listenerConfig), reason);
            return false;
        }
        qCInfo(lcGateway).noquote() << "listening for MQTT on" << listener->url();
    }
    if (m_config.demo.enabled) {
        m_demo =
            new demo::DemoApplication(m_config.demo.application, m_config.demo.devices, m_config.demo.rate,
                                      m_events.get(), m_commands.get(), m_config.instance.toUtf8());
        m_demo->start();
        qCInfo(lcGateway).noquote() << "demo application" << m_config.demo.application << "with"
                                    << m_config.demo.devices << "devices at" << m_config.demo.rate
                                    << "events/s each; anonymous clients may read and command it";
    }
    return true;
}

void Gateway::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    qCInfo(lcGateway) << "shutting down:" << m_server->connectionCount() << "connections to close";
    for (transport::TcpListener *listener : std::as_const(m_listeners))
        listener->close();
    delete std::exchange(m_demo, nullptr);
    // Clients that don't close within the grace period are cut off.
    QTimer::singleShot(2000, this, &Gateway::finishStop);
    m_server->shutdown();
}

void Gateway::finishStop()
{
    if (!m_stopping || m_stopped)
        return;
    m_stopped = true;
    Q_EMIT stopped();
}

QStringList Gateway::listenerUrls() const
{
    QStringList urls;
    for (const transport::TcpListener *listener : m_listeners)
        urls.append(listener->url());
    return urls;
}

} // namespace drover
