#include "demodevice.h"

#include "backend/eventlog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <cmath>

Q_LOGGING_CATEGORY(lcDemo, "drover.demo")

namespace drover::demo {

using backend::CommandResult;

namespace {

std::optional<double> numberArgument(const QByteArray &payload, QString *error)
{
    // Accepts {"value": 1.23} (Drogue's example) or a bare number.
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(payload, &parseError);
    if (document.isObject()) {
        const QJsonValue value = document.object().value(QStringLiteral("value"));
        if (value.isDouble())
            return value.toDouble();
        *error = QStringLiteral("expected {\"value\": <number>}");
        return std::nullopt;
    }
    bool ok = false;
    const double number = payload.trimmed().toDouble(&ok);
    if (ok && std::isfinite(number))
        return number;
    *error = QStringLiteral("expected {\"value\": <number>}");
    return std::nullopt;
}

int intervalMs(double eventsPerSecond)
{
    return std::max(1, int(std::lround(1000.0 / eventsPerSecond)));
}

} // namespace

DemoDevice::DemoDevice(QString application, QString name, double eventsPerSecond, backend::EventLog *events,
                       const cloudevents::DeviceEventFactory *factory, QObject *parent)
    : QObject(parent)
    , m_application(std::move(application))
    , m_name(std::move(name))
    , m_events(events)
    , m_factory(factory)
    , m_random(quint32(qHash(m_name)))
{
    m_temperature = 19.0 + m_random.bounded(6.0);
    m_target = m_temperature;
    m_humidity = 40.0 + m_random.bounded(20.0);
    m_timer.setInterval(intervalMs(eventsPerSecond));
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &DemoDevice::emitState);
}

void DemoDevice::start()
{
    m_timer.start();
}

void DemoDevice::emitState()
{
    // A small random walk around the target, so plots have something to show.
    m_temperature += (m_target - m_temperature) * 0.2 + (m_random.generateDouble() - 0.5) * 0.1;
    m_humidity = std::clamp(m_humidity + (m_random.generateDouble() - 0.5) * 0.5, 20.0, 80.0);
    QJsonObject state{
        {QStringLiteral("temperature"), std::round(m_temperature * 100) / 100},
        {QStringLiteral("humidity"), std::round(m_humidity * 10) / 10},
        {QStringLiteral("targetTemperature"), std::round(m_target * 100) / 100},
        {QStringLiteral("interval"), m_timer.interval() / 1000.0},
        {QStringLiteral("sequence"), double(++m_sequence)},
    };
    if (!m_lastCommand.isEmpty())
        state.insert(QStringLiteral("lastCommand"), m_lastCommand);
    cloudevents::DeviceMessage message;
    message.application = m_application.toUtf8();
    message.device = m_name.toUtf8();
    message.channel = QByteArrayLiteral("state");
    message.payload = QJsonDocument(state).toJson(QJsonDocument::Compact);
    message.contentType = QByteArrayLiteral("application/json");
    if (auto event = m_factory->create(message))
        m_events->publish(*event, this, [](const backend::PublishResult &) {});
}

void DemoDevice::receiveCommand(const backend::Command &command, Done done)
{
    done(obey(command));
}

CommandResult DemoDevice::obey(const backend::Command &command)
{
    QString error;
    if (command.name == QLatin1String("setTemperature")) {
        const auto value = numberArgument(command.payload, &error);
        if (!value || *value < -50 || *value > 100)
            return {CommandResult::Status::Rejected,
                    error.isEmpty() ? QStringLiteral("temperature must be between -50 and 100") : error};
        m_target = *value;
        m_temperature = *value;
    } else if (command.name == QLatin1String("set-interval")) {
        const auto value = numberArgument(command.payload, &error);
        if (!value || *value < 0.001 || *value > 3600)
            return {CommandResult::Status::Rejected,
                    error.isEmpty() ? QStringLiteral("interval must be 0.001 to 3600 seconds") : error};
        m_timer.setInterval(std::max(1, int(std::lround(*value * 1000))));
    } else {
        return {
            CommandResult::Status::Rejected,
            QStringLiteral("unknown command '%1': demo devices understand setTemperature and set-interval")
                .arg(command.name)};
    }
    m_lastCommand = command.name;
    qCInfo(lcDemo).noquote() << "device" << m_name << "obeys" << command.name << "from" << command.sender;
    return {};
}

} // namespace drover::demo
