#include "consoleconnection.h"

#include "mqtt/reasoncode.h"
#include "mqtt/topic.h"

#include <QLoggingCategory>
#include <QRandomGenerator>

Q_LOGGING_CATEGORY(lcConsole, "drover.console")

namespace drover::ui {

using mqtt::ReasonCode;

namespace {

constexpr int MinBackoffMs = 500;
constexpr int MaxBackoffMs = 30000;

// Refusals that the same credentials will meet again: retrying them is pointless.
bool isFinalRefusal(ReasonCode code)
{
    switch (code) {
    case ReasonCode::BadUserNameOrPassword:
    case ReasonCode::NotAuthorized:
    case ReasonCode::Banned:
    case ReasonCode::BadAuthenticationMethod:
    case ReasonCode::ClientIdentifierNotValid:
    case ReasonCode::UnsupportedProtocolVersion:
        return true;
    default:
        return false;
    }
}

QByteArray matchFilterOf(const QByteArray &filter)
{
    if (!filter.startsWith("$share/"))
        return filter;
    const qsizetype slash = filter.indexOf('/', 7);
    return slash < 0 ? QByteArray() : filter.mid(slash + 1);
}

} // namespace

ConsoleConnection::ConsoleConnection(Target target, QObject *parent)
    : QObject(parent)
    , m_target(std::move(target))
    , m_client(this)
{
    if (m_target.clientId.isEmpty())
        m_target.clientId = QByteArrayLiteral("drover-console-") +
                            QByteArray::number(QRandomGenerator::global()->generate64(), 36);
    m_client.setTransportFactory(m_target.transport);
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &ConsoleConnection::attempt);
    connect(&m_client, &client::MqttClient::connected, this, [this](const mqtt::ConnackPacket &connack) {
        m_attempt = 0;
        m_subscriptionIds =
            m_target.version == mqtt::ProtocolVersion::V5 &&
            connack.properties.integer(mqtt::Properties::SubscriptionIdentifierAvailable, 1) != 0;
        setState(State::Online);
        for (auto it = m_subscriptions.begin(); it != m_subscriptions.end(); ++it) {
            if (!it->requested)
                sendSubscribe(it.key()); // tabs opened while offline
        }
    });
    connect(&m_client, &client::MqttClient::connectionFailed, this,
            [this](const QString &reason, ReasonCode code) {
                if (isFinalRefusal(code)) {
                    m_wanted = false;
                    setState(State::Refused, reason);
                    return;
                }
                scheduleReconnect(reason);
            });
    connect(&m_client, &client::MqttClient::disconnected, this, [this](const QString &reason) {
        if (m_wanted)
            scheduleReconnect(reason);
        else
            setState(State::Offline);
    });
    connect(&m_client, &client::MqttClient::messageReceived, this, &ConsoleConnection::onMessage);
    m_statsClock.start();
    m_statsTimer.setInterval(1000);
    connect(&m_statsTimer, &QTimer::timeout, this, [this] {
        const double seconds = double(m_statsClock.restart()) / 1000.0;
        m_rate = seconds > 0 ? double(m_received - m_receivedAtLastTick) / seconds : 0;
        m_receivedAtLastTick = m_received;
        Q_EMIT statsChanged();
    });
    m_statsTimer.start();
}

ConsoleConnection::~ConsoleConnection() = default;

QString ConsoleConnection::statusText() const
{
    const QString where = m_target.description;
    switch (m_state) {
    case State::Offline:
        return QStringLiteral("Not connected to %1").arg(where);
    case State::Connecting:
        return QStringLiteral("Connecting to %1…").arg(where);
    case State::Online:
        return QStringLiteral("Connected to %1 (MQTT %2)")
            .arg(where, m_target.version == mqtt::ProtocolVersion::V5 ? QStringLiteral("5")
                                                                      : QStringLiteral("3.1.1"));
    case State::Reconnecting:
        return QStringLiteral("%1. Reconnecting to %2 in %3 s (attempt %4)")
            .arg(m_detail, where)
            .arg((m_reconnectTimer.remainingTime() + 999) / 1000)
            .arg(m_attempt + 1);
    case State::Refused:
        return QStringLiteral("%1 refused the login: %2").arg(where, m_detail);
    case State::LoginRequired:
        return QStringLiteral("Login required for %1: %2").arg(where, m_detail);
    }
    return {};
}

void ConsoleConnection::setState(State state, const QString &detail)
{
    m_detail = detail;
    const bool changed = state != m_state;
    m_state = state;
    if (!detail.isEmpty() &&
        (state == State::Refused || state == State::LoginRequired || state == State::Reconnecting))
        qCInfo(lcConsole).noquote() << statusText();
    if (changed || state == State::Reconnecting)
        Q_EMIT stateChanged(state);
}

void ConsoleConnection::open()
{
    m_wanted = true;
    m_attempt = 0;
    if (m_state == State::Online || m_state == State::Connecting)
        return;
    m_reconnectTimer.stop();
    attempt();
}

void ConsoleConnection::close()
{
    m_wanted = false;
    ++m_generation;
    m_reconnectTimer.stop();
    if (m_client.state() != client::MqttClient::State::Disconnected)
        m_client.disconnectFromServer();
    setState(State::Offline);
}

void ConsoleConnection::attempt()
{
    if (!m_wanted)
        return;
    setState(State::Connecting);
    const quint64 generation = ++m_generation;
    const auto connectWith = [this, generation](const ConnectCredentials &credentials, const QString &error) {
        if (generation != m_generation || !m_wanted)
            return; // closed, or a newer attempt started meanwhile
        if (!error.isEmpty()) {
            m_wanted = false;
            setState(State::LoginRequired, error);
            return;
        }
        client::ClientOptions options;
        options.version = m_target.version;
        options.clientId = m_target.clientId;
        options.username = credentials.username;
        options.password = credentials.password;
        options.keepAliveSeconds = 30;
        options.autoReconnect = false; // ours: fresh credentials before every attempt
        m_client.setOptions(options);
        m_client.connectToServer();
    };
    if (m_target.credentials)
        m_target.credentials(this, connectWith);
    else
        connectWith({}, {});
}

void ConsoleConnection::scheduleReconnect(const QString &why)
{
    if (!m_wanted) {
        setState(State::Offline);
        return;
    }
    // Exponential backoff with jitter, so many consoles don't reconnect in step.
    const int base = std::min(MaxBackoffMs, MinBackoffMs << std::min(m_attempt, 6));
    const int delay = int(base * (0.8 + 0.4 * QRandomGenerator::global()->generateDouble()));
    ++m_attempt;
    m_reconnectTimer.start(delay);
    setState(State::Reconnecting, why);
}

int ConsoleConnection::subscribe(const EventSubscription &subscription)
{
    const int tab = m_nextId++;
    const QByteArray filter = subscription.filter();
    for (auto it = m_subscriptions.begin(); it != m_subscriptions.end(); ++it) {
        if (it->subscription.filter() != filter)
            continue;
        m_subscriptionOfTab.insert(tab, it.key());
        it->tabs.append(tab);
        if (!(it->subscription == subscription)) {
            const QString why =
                QStringLiteral("another tab of this window watches %1 with other options (content "
                               "mode, QoS or start); this one shows the same events as that one. "
                               "Use a shared group, or another window, for a second view.")
                    .arg(QString::fromUtf8(filter));
            QMetaObject::invokeMethod(
                this, [this, tab, why] { Q_EMIT subscriptionRefused(tab, why); }, Qt::QueuedConnection);
        }
        return tab;
    }
    m_subscriptions.insert(tab, Subscription{subscription, matchFilterOf(filter), {tab}, {}, false});
    m_subscriptionOfTab.insert(tab, tab);
    sendSubscribe(tab);
    return tab;
}

void ConsoleConnection::sendSubscribe(int id)
{
    const Subscription &entry = m_subscriptions.value(id);
    mqtt::Properties properties = entry.subscription.properties();
    if (m_target.version == mqtt::ProtocolVersion::V5)
        properties.addSubscriptionIdentifier(quint32(id));
    const QByteArray filter = entry.subscription.filter();
    // While connecting the client sends it once connected, and again after every reconnect
    // that lost the session. While offline it waits for the next connection (see connected).
    if (m_client.state() == client::MqttClient::State::Disconnected)
        return;
    m_subscriptions[id].requested = true;
    m_client.subscribe(
        {mqtt::SubscriptionRequest{filter, entry.subscription.qos}}, properties, this,
        [this, id](const mqtt::SubackPacket &suback) {
            const auto it = m_subscriptions.find(id);
            if (it == m_subscriptions.end())
                return;
            if (suback.packetId == 0) {
                // Failed locally (the connection went away first): the next
                // connection subscribes it.
                it->requested = false;
                return;
            }
            const ReasonCode code =
                suback.reasonCodes.isEmpty() ? ReasonCode::UnspecifiedError : suback.reasonCodes.first();
            if (!mqtt::isError(code))
                return;
            const QString reason = suback.properties.reasonString().isEmpty()
                                       ? QString::fromLatin1(mqtt::reasonCodeName(code))
                                       : QString::fromUtf8(suback.properties.reasonString());
            for (int tab : std::as_const(it->tabs))
                Q_EMIT subscriptionRefused(
                    tab, QStringLiteral("%1 (0x%2)").arg(reason).arg(int(code), 2, 16, QLatin1Char('0')));
        });
}

void ConsoleConnection::unsubscribe(int tab)
{
    const int id = m_subscriptionOfTab.take(tab);
    const auto it = m_subscriptions.find(id);
    if (it == m_subscriptions.end())
        return;
    it->tabs.removeAll(tab);
    if (!it->tabs.isEmpty())
        return; // other tabs still watch this filter
    const QByteArray filter = it->subscription.filter();
    m_subscriptions.erase(it);
    if (m_client.state() != client::MqttClient::State::Disconnected)
        m_client.unsubscribe({filter});
}

void ConsoleConnection::publish(mqtt::PublishPacket message, QObject *context,
                                client::MqttClient::PublishDone done)
{
    m_client.publish(std::move(message), context, std::move(done));
}

void ConsoleConnection::onMessage(const mqtt::PublishPacket &message)
{
    QByteArray error;
    std::optional<ReceivedEvent> event =
        ReceivedEvent::fromMessage(message, QDateTime::currentDateTimeUtc(), &error);
    if (event)
        m_interner.intern(*event);
    if (!event) {
        Q_EMIT undecodable(QStringLiteral("a message on %1 is not a CloudEvent: %2")
                               .arg(QString::fromUtf8(message.topic), QString::fromUtf8(error)));
        return;
    }
    ++m_received;
    bool routed = false;
    const QList<quint32> &ids = message.properties.subscriptionIdentifiers();
    if (m_subscriptionIds && !ids.isEmpty()) {
        for (quint32 id : ids) {
            const auto it = m_subscriptions.find(int(id));
            if (it != m_subscriptions.end()) {
                it->pending.append(*event);
                routed = true;
            }
        }
    }
    if (!routed) {
        // MQTT 3.1.1 (no subscription identifiers): by topic. Overlapping filters get the
        // server's copy for each subscription, as MQTT has it.
        for (Subscription &entry : m_subscriptions) {
            if (mqtt::topicMatches(entry.matchFilter, message.topic))
                entry.pending.append(*event);
        }
    }
    if (!m_flushScheduled) {
        m_flushScheduled = true;
        QMetaObject::invokeMethod(this, &ConsoleConnection::flushPending, Qt::QueuedConnection);
    }
}

void ConsoleConnection::flushPending()
{
    m_flushScheduled = false;
    for (auto it = m_subscriptions.begin(); it != m_subscriptions.end(); ++it) {
        if (it->pending.isEmpty())
            continue;
        const QList<ReceivedEvent> batch = std::exchange(it->pending, {});
        for (int tab : std::as_const(it->tabs))
            Q_EMIT eventsReceived(tab, batch);
    }
}

} // namespace drover::ui
