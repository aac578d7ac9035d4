#include "gateway.h"

#include "auth/accesspolicy.h"
#include "auth/credentialauthenticator.h"
#include "auth/deviceauthenticator.h"
#include "auth/jwtverifier.h"
#include "auth/storedapikeyverifier.h"
#include "backend/embeddedcommandbus.h"
#include "backend/embeddedeventlog.h"
#include "demo/demoapplication.h"
#include "http/devicehttpendpoint.h"
#include "registry/deviceregistry.h"
#include "registry/passwordhasher.h"
#include "registrydirectory.h"
#include "session/deviceendpoint.h"
#include "session/mqttserver.h"
#include "transport/inprocesslink.h"
#include "transport/tcplistener.h"
#include "transport/tlscredentials.h"
#include "transport/tlslistener.h"
#include "transport/websocketlistener.h"

#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTimer>

Q_LOGGING_CATEGORY(lcGateway, "drover.gateway")

namespace drover {

namespace {

// Binds one listener of any kind and hands it to keep(); false only when the start must end
// (cannotListen decides: with the console's `skipped`, a port that is taken is left out).
template <typename Listener, typename CannotListen, typename Keep>
bool openListener(std::unique_ptr<Listener> listener, const QString &what,
                  const config::ListenerConfig &where, const CannotListen &cannotListen, Keep keep)
{
    QString reason;
    if (!listener->listen(where.address, where.port, &reason))
        return cannotListen(what, where, reason);
    qCInfo(lcGateway).noquote() << "listening for" << what << "on" << listener->url();
    keep(listener.release());
    return true;
}

// A keep() for openListener: the listener becomes owner's child and joins `into`.
template <typename List> auto adoptInto(QObject *owner, List &into)
{
    return [owner, &into](auto *listener) {
        listener->setParent(owner);
        into.append(listener);
    };
}

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

transport::TlsCredentials::Files tlsFilesFrom(const config::TlsConfig &tls)
{
    using ClientCertificates = transport::TlsCredentials::ClientCertificates;
    transport::TlsCredentials::Files files;
    files.certificate = tls.certificateFile;
    files.privateKey = tls.privateKeyFile;
    files.passphrase = tls.privateKeyPassphraseFile;
    files.clientCa = tls.clientCaFile;
    files.clientCertificates = tls.clientCertificates == config::TlsConfig::ClientCertificates::Required
                                   ? ClientCertificates::Required
                                   : ClientCertificates::Optional;
    files.minimumProtocol =
        tls.minVersion == config::TlsConfig::Version::Tls13 ? QSsl::TlsV1_3OrLater : QSsl::TlsV1_2OrLater;
    return files;
}

} // namespace

Gateway::Gateway(config::Config config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    if (m_config.demo.enabled)
        prepareDemoDevices();
    m_events = std::make_unique<backend::EmbeddedEventLog>(
        backend::RetentionLimits{m_config.retention.maxEvents, m_config.retention.maxBytes},
        m_config.retention.groupIdleSeconds * 1000);
    m_commands = std::make_unique<backend::EmbeddedCommandBus>();
    m_authenticator = std::make_unique<auth::CredentialAuthenticator>();
    m_policy = std::make_unique<auth::AccessPolicy>();
    applyApplications();
    // API keys: user name + key, checked against the state directory's api-keys.json; a
    // named user whom the policy lets use no application is refused at CONNECT.
    m_apiKeys = std::make_unique<auth::StoredApiKeyVerifier>(
        auth::ApiKeyStore::filePath(config::stateDirOf(m_config)));
    m_authenticator->setApiKeyVerifier(m_apiKeys.get());
    m_authenticator->setAccessPolicy(m_policy.get());
    // OAuth2 access tokens of the configured issuers, for the integration API only (devices
    // log in with their registry credentials).
    if (!m_config.tokenIssuers.isEmpty()) {
        m_tokens = std::make_unique<auth::JwtVerifier>(m_config.tokenIssuers);
        m_authenticator->setTokenVerifier(m_tokens.get());
    }

    session::ServerContext context;
    context.events = m_events.get();
    context.commands = m_commands.get();
    context.authenticator = m_authenticator.get();
    context.policy = m_policy.get();
    context.limits = limitsFrom(m_config.session);
    m_server = std::make_unique<session::MqttServer>(context);

    // The device side: devices log in with their registry credentials, publish events and
    // receive commands; commands for known devices that are away wait in the bus.
    const auto registryGetter = [this] { return m_registry; };
    m_directory = std::make_unique<RegistryDirectory>(registryGetter);
    m_commands->setDirectory(m_directory.get());
    m_commands->setLimits(backend::CommandQueueLimits{
        m_config.commands.ttlSeconds * 1000, m_config.commands.maxQueued, m_config.commands.maxQueuedBytes});
    m_deviceAuthenticator = std::make_unique<auth::DeviceAuthenticator>(registryGetter);
    m_deviceEndpoint = std::make_unique<session::DeviceEndpoint>(m_events.get(), m_commands.get(),
                                                                 registryGetter, m_config.instance.toUtf8());
    session::ServerContext deviceContext = context;
    deviceContext.authenticator = m_deviceAuthenticator.get();
    deviceContext.endpoint = m_deviceEndpoint.get();
    deviceContext.name = QStringLiteral("device");
    m_deviceServer = std::make_unique<session::MqttServer>(deviceContext);
    // Devices over HTTP: the same registry, event log and command bus as over MQTT, and
    // no larger a body than an MQTT packet may have.
    http::DeviceHttpLimits httpLimits;
    httpLimits.maxBodyBytes = m_config.session.maxPacketSize;
    m_httpEndpoint = std::make_unique<http::DeviceHttpEndpoint>(
        m_events.get(), m_commands.get(), registryGetter, m_config.instance.toUtf8(), httpLimits);

    for (session::MqttServer *server : {m_server.get(), m_deviceServer.get()})
        connect(server, &session::MqttServer::drained, this, [this] {
            if (m_server->connectionCount() == 0 && m_deviceServer->connectionCount() == 0)
                finishStop();
        });
}

void Gateway::prepareDemoDevices()
{
    // The demo's thermostats are devices of the demo application like any other, with a
    // password nobody else knows: 32 random bytes for this process, so a cheap hash will do.
    QByteArray secret(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(secret.begin(), secret.end());
    m_demoPassword = secret.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    m_demoPasswordHash = registry::PasswordHasher::hashSecret(m_demoPassword);
    const config::ApplicationConfig *configured = m_config.application(m_config.demo.application);
    for (int i = 1; i <= m_config.demo.devices; ++i) {
        const QString name = QStringLiteral("device-%1").arg(i);
        if (configured && configured->device(name)) {
            qCWarning(lcGateway).noquote() << "demo device" << name << "is not simulated: application"
                                           << m_config.demo.application << "configures a device of that name";
            continue;
        }
        m_demoDevices.append(name);
    }
}

void Gateway::applyApplications()
{
    // Assigned in place: the session layer holds a pointer to this policy.
    *m_policy = auth::AccessPolicy();
    for (const config::ApplicationConfig &app : std::as_const(m_config.applications)) {
        auth::AccessPolicy::ApplicationRules rules{app.anonymousRead, app.anonymousCommand, {}};
        for (const config::MemberConfig &member : app.members) {
            auth::AccessPolicy::Roles roles;
            roles.setFlag(auth::AccessPolicy::Role::Reader, member.reader);
            roles.setFlag(auth::AccessPolicy::Role::Publisher, member.publisher);
            roles.setFlag(auth::AccessPolicy::Role::Admin, member.admin);
            rules.members.insert(member.user, roles);
        }
        m_policy->setApplication(app.name, rules);
    }
    if (!m_config.demo.enabled) {
        m_registry = registry::DeviceRegistry::create(m_config);
        return;
    }
    // The demo is for trying Drover out: anonymous clients may read and command it, unless
    // the configuration says otherwise for an application of that name.
    config::Config withDemo = m_config;
    auto app =
        std::find_if(withDemo.applications.begin(), withDemo.applications.end(),
                     [&](const config::ApplicationConfig &a) { return a.name == m_config.demo.application; });
    if (app == withDemo.applications.end()) {
        m_policy->setApplication(m_config.demo.application, {true, true});
        app = withDemo.applications.insert(withDemo.applications.end(), config::ApplicationConfig{});
        app->name = m_config.demo.application;
    }
    for (const QString &name : std::as_const(m_demoDevices)) {
        config::DeviceConfig device;
        device.name = name;
        device.passwordHash = m_demoPasswordHash;
        app->devices.append(device);
    }
    m_registry = registry::DeviceRegistry::create(withDemo);
}

void Gateway::reload(const config::Config &config)
{
    m_config.applications = config.applications;
    const std::shared_ptr<const registry::DeviceRegistry> before = m_registry;
    applyApplications();
    if (before)
        m_deviceAuthenticator->registryReplaced(*before, *m_registry);
    qCInfo(lcGateway).noquote() << "configuration reloaded:" << m_registry->applicationCount()
                                << "applications," << m_registry->deviceCount() << "devices";
    m_apiKeys->reload(); // it logs what it read, or why it kept the keys it had
    applyCertificates(config.tls);
    // Verifications in flight hold the running issuers: changing them waits for a restart.
    if (config.tokenIssuers != m_config.tokenIssuers)
        qCWarning(lcGateway) << "[[token-issuer]] changed in the configuration: the change applies at the "
                                "next start, the token issuers of this start stay";
}

bool Gateway::hasTlsListeners() const
{
    return std::any_of(m_config.listeners.cbegin(), m_config.listeners.cend(),
                       [](const config::ListenerConfig &l) { return config::isTlsListener(l.kind); });
}

bool Gateway::loadCertificates(QString *error)
{
    if (m_tls || !hasTlsListeners())
        return true;
    QString reason;
    std::optional<transport::TlsCredentials> loaded =
        transport::TlsCredentials::load(tlsFilesFrom(m_config.tls), &reason);
    if (!loaded) {
        if (error)
            *error = QStringLiteral("cannot use the TLS certificate: ") + reason;
        return false;
    }
    m_tls = std::make_unique<transport::TlsCredentials>(std::move(*loaded));
    for (const QString &warning : m_tls->warnings())
        qCWarning(lcGateway).noquote() << "TLS:" << warning;
    qCInfo(lcGateway).noquote() << "TLS certificate:" << m_tls->describe();
    if (!m_config.tls.clientCaFile.isEmpty())
        qCInfo(lcGateway).noquote() << "TLS device listeners ask for client certificates issued by"
                                    << m_config.tls.clientCaFile
                                    << (m_config.tls.clientCertificates ==
                                                config::TlsConfig::ClientCertificates::Required
                                            ? "(required)"
                                            : "(optional; one that is sent must verify)");
    return true;
}

void Gateway::reloadCertificates()
{
    applyCertificates(m_config.tls);
}

void Gateway::applyCertificates(const config::TlsConfig &tls)
{
    if (!m_tls)
        return; // no TLS listener runs
    QString reason;
    std::optional<transport::TlsCredentials> loaded =
        transport::TlsCredentials::load(tlsFilesFrom(tls), &reason);
    if (!loaded) {
        qCWarning(lcGateway).noquote() << "TLS certificate not reloaded, the running one stays:" << reason;
        return;
    }
    m_config.tls = tls;
    *m_tls = std::move(*loaded);
    for (const QString &warning : m_tls->warnings())
        qCWarning(lcGateway).noquote() << "TLS:" << warning;
    // For the handshakes from now on; established connections keep theirs.
    for (transport::TlsListener *listener : std::as_const(m_tlsListeners))
        listener->setSslConfiguration(m_tls->applicationConfiguration());
    for (transport::TlsListener *listener : std::as_const(m_deviceTlsListeners))
        listener->setSslConfiguration(m_tls->deviceConfiguration());
    for (transport::WebSocketListener *listener : std::as_const(m_webSocketListeners))
        listener->setSslConfiguration(m_tls->applicationConfiguration()); // ws listeners ignore it
    for (transport::WebSocketListener *listener : std::as_const(m_deviceWebSocketListeners))
        listener->setSslConfiguration(m_tls->deviceConfiguration());
    qCInfo(lcGateway).noquote() << "TLS certificate reloaded:" << m_tls->describe()
                                << "- new connections get it, established ones keep theirs";
}

bool Gateway::startTlsListeners(const CannotListen &cannotListen)
{
    using Kind = config::ListenerConfig::Kind;
    if (!hasTlsListeners())
        return true;
    QString certificateError;
    const bool certificates = loadCertificates(&certificateError);
    for (const config::ListenerConfig &listenerConfig : std::as_const(m_config.listeners)) {
        if (!config::isTlsListener(listenerConfig.kind))
            continue;
        const bool devices =
            listenerConfig.kind == Kind::DeviceMqtts || listenerConfig.kind == Kind::DeviceSecureWebSocket;
        const bool webSocket = listenerConfig.kind == Kind::SecureWebSocket ||
                               listenerConfig.kind == Kind::DeviceSecureWebSocket;
        const QString what =
            QStringLiteral("%1 over %2")
                .arg(devices ? QStringLiteral("devices") : QStringLiteral("MQTT"),
                     webSocket ? QStringLiteral("secure WebSockets") : QStringLiteral("TLS"));
        if (!certificates) {
            if (cannotListen(what, listenerConfig, certificateError))
                continue;
            return false;
        }
        session::MqttServer *server = devices ? m_deviceServer.get() : m_server.get();
        const QSslConfiguration tls =
            devices ? m_tls->deviceConfiguration() : m_tls->applicationConfiguration();
        const bool opened =
            webSocket
                ? openListener(std::make_unique<transport::WebSocketListener>(server, tls), what,
                               listenerConfig, cannotListen,
                               adoptInto(this, devices ? m_deviceWebSocketListeners : m_webSocketListeners))
                : openListener(std::make_unique<transport::TlsListener>(server, tls), what, listenerConfig,
                               cannotListen,
                               adoptInto(this, devices ? m_deviceTlsListeners : m_tlsListeners));
        if (!opened)
            return false;
    }
    return true;
}

Gateway::~Gateway()
{
    delete m_demo;
    qDeleteAll(m_listeners);
    m_httpEndpoint.reset(); // its waiting requests hold callbacks into the backend
    m_deviceServer.reset(); // servers before the endpoint and backend their sessions use
    m_server.reset();
    m_deviceEndpoint.reset();
}

bool Gateway::start(QString *error, QStringList *skipped)
{
    using Kind = config::ListenerConfig::Kind;
    if (m_tokens) {
        // Keys are fetched in the background; a CONNECT that comes first waits for them.
        if (!m_tokens->configurationError().isEmpty()) {
            if (error)
                *error = m_tokens->configurationError();
            return false;
        }
        m_tokens->start();
    }
    // A listener that can't be bound ends the start, or (with `skipped`) is left out.
    const auto cannotListen = [&](const QString &what, const config::ListenerConfig &listenerConfig,
                                  const QString &reason) {
        const QString message = QStringLiteral("cannot listen for %1 on %2: %3")
                                    .arg(what, config::formatListenAddress(listenerConfig), reason);
        if (skipped) {
            qCWarning(lcGateway).noquote() << message << "- running without that listener";
            skipped->append(message);
            return true;
        }
        if (error)
            *error = message;
        return false;
    };
    for (const config::ListenerConfig &listenerConfig : std::as_const(m_config.listeners)) {
        if (listenerConfig.kind != Kind::Mqtt && listenerConfig.kind != Kind::DeviceMqtt)
            continue; // below
        const bool devices = listenerConfig.kind == config::ListenerConfig::Kind::DeviceMqtt;
        const QString what = devices ? QStringLiteral("devices") : QStringLiteral("MQTT");
        const bool opened = openListener(
            std::make_unique<transport::TcpListener>(devices ? m_deviceServer.get() : m_server.get()), what,
            listenerConfig, cannotListen, [&](transport::TcpListener *listener) {
                m_listeners.append(listener);
                if (devices)
                    m_deviceListeners.append(listener);
            });
        if (!opened)
            return false;
    }
    for (const config::ListenerConfig &listenerConfig : std::as_const(m_config.listeners)) {
        if (listenerConfig.kind != Kind::WebSocket && listenerConfig.kind != Kind::DeviceWebSocket)
            continue;
        const bool devices = listenerConfig.kind == Kind::DeviceWebSocket;
        const QString what =
            devices ? QStringLiteral("devices over WebSockets") : QStringLiteral("MQTT over WebSockets");
        const bool opened = openListener(
            std::make_unique<transport::WebSocketListener>(devices ? m_deviceServer.get() : m_server.get()),
            what, listenerConfig, cannotListen,
            adoptInto(this, devices ? m_deviceWebSocketListeners : m_webSocketListeners));
        if (!opened)
            return false;
    }
    if (!startTlsListeners(cannotListen))
        return false;
    for (const config::ListenerConfig &listenerConfig : std::as_const(m_config.listeners)) {
        if (listenerConfig.kind != config::ListenerConfig::Kind::DeviceHttp)
            continue;
        QString reason;
        if (!m_httpEndpoint->listen(listenerConfig.address, listenerConfig.port, &reason)) {
            if (cannotListen(QStringLiteral("device HTTP"), listenerConfig, reason))
                continue;
            return false;
        }
        qCInfo(lcGateway).noquote() << "listening for device HTTP on" << m_httpEndpoint->urls().constLast();
    }
    qCInfo(lcGateway).noquote() << "device registry:" << m_registry->applicationCount() << "applications,"
                                << m_registry->deviceCount() << "devices";
    if (m_config.demo.enabled) {
        // Ordinary devices of the device endpoint, connected in-process: the demo takes
        // the path a real device takes, whatever listeners are configured.
        const QString application = m_config.demo.application;
        session::MqttServer *deviceServer = m_deviceServer.get();
        m_demo = new demo::DemoApplication(
            application, m_demoDevices, m_demoPassword, demo::DemoDevice::Settings{m_config.demo.rate},
            [deviceServer, application](const QString &device) {
                return transport::InProcessLink::connector(
                    deviceServer, QStringLiteral("demo %1@%2").arg(device, application));
            });
        connect(m_demo, &demo::DemoApplication::ready, this, [this, application] {
            qCInfo(lcGateway).noquote()
                << "demo application" << application << "ready:" << m_demoDevices.size()
                << "devices connected and listening for commands";
            m_demoReady = true;
            Q_EMIT demoReady();
        });
        m_demo->start();
        const bool open = m_policy->check(auth::Identity::anonymousUser(), application,
                                          auth::Permission::Command) == auth::AccessPolicy::Decision::Allowed;
        qCInfo(lcGateway).noquote()
            << QStringLiteral("demo application %1 with %2 devices at %3 events/s each%4")
                   .arg(application)
                   .arg(m_demoDevices.size())
                   .arg(m_config.demo.rate)
                   .arg(open ? QStringLiteral("; anonymous clients may read and command it") : QString());
    }
    return true;
}

void Gateway::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    qCInfo(lcGateway) << "shutting down:" << m_server->connectionCount() + m_deviceServer->connectionCount()
                      << "connections to close";
    for (transport::TcpListener *listener : std::as_const(m_listeners))
        listener->close();
    for (transport::WebSocketListener *listener : m_webSocketListeners + m_deviceWebSocketListeners)
        listener->close();
    for (transport::TlsListener *listener : m_tlsListeners + m_deviceTlsListeners)
        listener->close();
    m_httpEndpoint->close();
    delete std::exchange(m_demo, nullptr);
    // Clients that don't close within the grace period are cut off.
    QTimer::singleShot(2000, this, &Gateway::finishStop);
    m_server->shutdown();
    m_deviceServer->shutdown();
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
    for (const transport::TcpListener *listener : m_listeners) {
        if (!m_deviceListeners.contains(listener))
            urls.append(listener->url());
    }
    for (const transport::TlsListener *listener : m_tlsListeners)
        urls.append(listener->url());
    for (const transport::WebSocketListener *listener : m_webSocketListeners)
        urls.append(listener->url());
    return urls;
}

QStringList Gateway::deviceHttpUrls() const
{
    return m_httpEndpoint->urls();
}

QStringList Gateway::deviceListenerUrls() const
{
    QStringList urls;
    for (const transport::TcpListener *listener : m_deviceListeners)
        urls.append(listener->url());
    for (const transport::TlsListener *listener : m_deviceTlsListeners)
        urls.append(listener->url());
    for (const transport::WebSocketListener *listener : m_deviceWebSocketListeners)
        urls.append(listener->url());
    return urls;
}

} // namespace drover
