#include "demodevice.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <cmath>

Q_LOGGING_CATEGORY(lcDemo, "drover.demo")

namespace drover::demo {

using mqtt::ReasonCode;

namespace {

std::optional<double> numberArgument(const QByteArray &payload)
{
    // Accepts {"value": 1.23} (Drogue's example) or a bare number.
    const QJsonDocument document = QJsonDocument::fromJson(payload);
    if (document.isObject()) {
        const QJsonValue value = document.object().value(QStringLiteral("value"));
        if (value.isDouble())
            return value.toDouble();
        return std::nullopt;
    }
    bool ok = false;
    const double number = payload.trimmed().toDouble(&ok);
    if (ok && std::isfinite(number))
        return number;
    return std::nullopt;
}

int intervalMs(double eventsPerSecond)
{
    return eventsPerSecond <= 0 ? 0 : std::max(1, int(std::lround(1000.0 / eventsPerSecond)));
}

// The command's name from its inbox topic: command/inbox//<name> or command/inbox/<device>/<name>.
QString commandName(const QByteArray &topic)
{
    constexpr QByteArrayView Prefix("command/inbox/");
    if (!topic.startsWith(Prefix))
        return {};
    const qsizetype slash = topic.indexOf('/', Prefix.size());
    return slash < 0 ? QString() : QString::fromUtf8(topic.mid(slash + 1));
}

QByteArray fixed(double value, int decimals)
{
    return QByteArray::number(std::round(value * std::pow(10, decimals)) / std::pow(10, decimals), 'g', 10);
}

} // namespace

DemoDevice::DemoDevice(QString name, const client::ClientOptions &options,
                       client::MqttClient::TransportFactory transport, Settings settings, QObject *parent)
    : QObject(parent)
    , m_name(std::move(name))
    , m_settings(settings)
    , m_client(this)
    , m_random(quint32(qHash(m_name)))
{
    m_temperature = 19.0 + m_random.bounded(6.0);
    m_target = m_temperature;
    m_humidity = 40.0 + m_random.bounded(20.0);
    m_client.setOptions(options);
    m_client.setTransportFactory(std::move(transport));
    m_client.setManualAcknowledgement(true); // a refused command gets a negative PUBACK
    m_timer.setInterval(intervalMs(m_settings.eventsPerSecond));
    m_timer.setTimerType(Qt::PreciseTimer);
    m_clock.start();
    connect(&m_timer, &QTimer::timeout, this, &DemoDevice::tick);
    connect(&m_client, &client::MqttClient::connected, this, &DemoDevice::onConnected);
    connect(&m_client, &client::MqttClient::disconnected, this, [this](const QString &reason) {
        m_timer.stop();
        qCInfo(lcDemo).noquote() << "device" << m_name << "lost its connection:" << reason;
    });
    connect(&m_client, &client::MqttClient::connectionFailed, this,
            [this](const QString &reason, ReasonCode code) {
                // The client stops retrying credentials that were refused; say so once.
                if (code == ReasonCode::BadUserNameOrPassword || code == ReasonCode::NotAuthorized) {
                    qCInfo(lcDemo).noquote() << "device" << m_name << "was refused:" << reason;
                    Q_EMIT refused(reason);
                } else {
                    qCInfo(lcDemo).noquote() << "device" << m_name << "could not connect:" << reason;
                }
            });
    connect(&m_client, &client::MqttClient::messageReceived, this, &DemoDevice::onMessage);
    connect(&m_client, &client::MqttClient::readyToSend, this, [this] {
        if (m_settings.eventsPerSecond <= 0)
            publishFreely();
    });
}

void DemoDevice::start()
{
    m_running = true;
    m_client.connectToServer();
    // Goes out once connected. Subscribed once: the client subscribes again after a
    // reconnect that lost the session.
    m_client.subscribe(
        {mqtt::SubscriptionRequest{QByteArrayLiteral("command/inbox//#"), mqtt::QoS::AtLeastOnce}}, {}, this,
        [this](const mqtt::SubackPacket &suback) {
            if (!suback.reasonCodes.isEmpty() && !mqtt::isError(suback.reasonCodes.constFirst()))
                Q_EMIT ready();
            else
                qCWarning(lcDemo).noquote() << "device" << m_name << "could not subscribe to its commands";
        });
}

void DemoDevice::stop(int graceMs)
{
    if (m_stopping)
        return;
    m_running = false;
    m_stopping = true;
    m_timer.stop();
    QTimer::singleShot(graceMs, this, &DemoDevice::finishStopping);
    if (m_client.inflightCount() + m_client.queuedCount() == 0)
        finishStopping();
}

void DemoDevice::finishStopping()
{
    if (!m_stopping)
        return;
    m_stopping = false;
    m_client.disconnectFromServer();
    Q_EMIT stopped();
}

void DemoDevice::onConnected()
{
    ++m_counters.connects;
    if (!m_running)
        return;
    if (m_settings.eventsPerSecond <= 0) {
        publishFreely();
        return;
    }
    m_timer.start();
}

void DemoDevice::tick()
{
    if (!m_client.hasRoom()) {
        ++m_counters.skipped; // the endpoint is slower than our rate: don't pile up
        return;
    }
    publishState();
}

void DemoDevice::publishFreely()
{
    while (m_running && m_client.hasRoom())
        publishState();
}

QByteArray DemoDevice::nextState()
{
    // A small random walk around the target, so plots have something to show.
    m_temperature += (m_target - m_temperature) * 0.2 + (m_random.generateDouble() - 0.5) * 0.1;
    m_humidity = std::clamp(m_humidity + (m_random.generateDouble() - 0.5) * 0.5, 20.0, 80.0);
    QByteArray json;
    json.reserve(160);
    json.append("{\"temperature\":").append(fixed(m_temperature, 2));
    json.append(",\"humidity\":").append(fixed(m_humidity, 1));
    json.append(",\"targetTemperature\":").append(fixed(m_target, 2));
    json.append(",\"interval\":").append(QByteArray::number(m_timer.interval() / 1000.0, 'g', 10));
    json.append(",\"sequence\":").append(QByteArray::number(++m_sequence));
    if (!m_lastCommand.isEmpty()) // only names obey() knows: nothing to escape
        json.append(",\"lastCommand\":\"").append(m_lastCommand.toUtf8()).append('"');
    json.append('}');
    return json;
}

void DemoDevice::publishState()
{
    mqtt::PublishPacket message;
    message.topic = QByteArrayLiteral("state");
    message.payload = nextState();
    message.qos = m_settings.qos;
    if (m_client.options().version == mqtt::ProtocolVersion::V5)
        message.properties.setBytes(mqtt::Properties::ContentType, QByteArrayLiteral("application/json"));
    ++m_counters.published;
    const qint64 sent = m_clock.nsecsElapsed();
    m_client.publish(std::move(message), this, [this, sent](const client::PublishOutcome &outcome) {
        m_latencies.record((m_clock.nsecsElapsed() - sent) / 1000);
        if (outcome.delivered) {
            ++m_counters.accepted;
        } else {
            ++m_counters.refused;
            qCDebug(lcDemo).noquote()
                << "event of device" << m_name << "not accepted:" << outcome.reasonString;
        }
        if (m_stopping && m_client.inflightCount() + m_client.queuedCount() == 0)
            finishStopping(); // the last one in flight
    });
}

void DemoDevice::onMessage(const mqtt::PublishPacket &message)
{
    const QString command = commandName(message.topic);
    const Verdict verdict = command.isEmpty()
                                ? Verdict{ReasonCode::TopicNameInvalid, QStringLiteral("not a command topic")}
                                : obey(command, message.payload);
    if (verdict.code == ReasonCode::Success) {
        ++m_counters.commands;
        qCInfo(lcDemo).noquote() << "device" << m_name << "obeys" << command;
    } else {
        ++m_counters.commandsRefused;
        qCInfo(lcDemo).noquote() << "device" << m_name << "refuses" << command << ":" << verdict.reason;
    }
    if (message.qos != mqtt::QoS::AtMostOnce)
        m_client.acknowledge(message.packetId, verdict.code, verdict.reason);
}

DemoDevice::Verdict DemoDevice::obey(const QString &command, const QByteArray &payload)
{
    const auto refuse = [](const QString &reason) {
        return Verdict{ReasonCode::PayloadFormatInvalid, reason};
    };
    if (command == QLatin1String("setTemperature")) {
        const auto value = numberArgument(payload);
        if (!value)
            return refuse(QStringLiteral("expected {\"value\": <number>}"));
        if (*value < -50 || *value > 100)
            return refuse(QStringLiteral("temperature must be between -50 and 100"));
        m_target = *value;
        m_temperature = *value;
    } else if (command == QLatin1String("set-interval")) {
        const auto value = numberArgument(payload);
        if (!value)
            return refuse(QStringLiteral("expected {\"value\": <number>}"));
        if (*value < 0.001 || *value > 3600)
            return refuse(QStringLiteral("interval must be 0.001 to 3600 seconds"));
        m_settings.eventsPerSecond = 1.0 / *value;
        m_timer.setInterval(std::max(1, int(std::lround(*value * 1000))));
        if (m_running && m_client.state() == client::MqttClient::State::Connected && !m_timer.isActive())
            m_timer.start(); // a free-running device now keeps time
    } else {
        // Not a payload problem: the device has no such command.
        return {
            ReasonCode::ImplementationSpecificError,
            QStringLiteral("unknown command '%1': demo devices understand setTemperature and set-interval")
                .arg(command)};
    }
    m_lastCommand = command;
    return {};
}

} // namespace drover::demo
