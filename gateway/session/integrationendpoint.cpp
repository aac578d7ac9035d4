#include "integrationendpoint.h"

#include "session.h"
#include "topicscheme.h"

#include "auth/accesspolicy.h"
#include "backend/commandsink.h"
#include "cloudevents/cloudevent.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcConnection)

namespace drover::session {

using namespace mqtt;
using auth::AccessPolicy;
using auth::Permission;

namespace {

QString describeRefusal(AccessPolicy::Decision decision, const QString &application, const char *what)
{
    if (decision == AccessPolicy::Decision::UnknownApplication)
        return QStringLiteral("no application '%1'").arg(application);
    return QStringLiteral("not authorized to %1 application '%2'").arg(QLatin1String(what), application);
}

std::optional<Refusal> commandRefusal(const backend::CommandResult &result)
{
    using S = backend::CommandResult::Status;
    switch (result.status) {
    case S::Accepted:
        return std::nullopt;
    case S::UnknownDevice:
    case S::DeviceDisabled:
        return Refusal{ReasonCode::NotAuthorized, result.message}; // Drogue's code for these
    case S::QueueFull:
        return Refusal{ReasonCode::QuotaExceeded, result.message};
    case S::Rejected:
        // The device's own PUBACK code where it gave one a PUBACK may carry, else 0x99.
        switch (ReasonCode(result.deviceReasonCode)) {
        case ReasonCode::UnspecifiedError:
        case ReasonCode::ImplementationSpecificError:
        case ReasonCode::NotAuthorized:
        case ReasonCode::TopicNameInvalid:
        case ReasonCode::QuotaExceeded:
        case ReasonCode::PayloadFormatInvalid:
            return Refusal{ReasonCode(result.deviceReasonCode), result.message};
        default:
            return Refusal{ReasonCode::PayloadFormatInvalid, result.message};
        }
    case S::Unavailable:
        break;
    }
    return Refusal{ReasonCode::UnspecifiedError, result.message};
}

backend::Command commandFor(const TopicScheme::CommandTopic &topic, const QByteArray &payload,
                            const Properties &properties, const QString &sender)
{
    return backend::Command{topic.application,        topic.device, topic.command, payload,
                            properties.contentType(), sender};
}

} // namespace

void IntegrationEndpoint::addConnackProperties(Properties &properties) const
{
    properties.setInteger(Properties::RetainAvailable, 0);
    properties.setInteger(Properties::WildcardSubscriptionAvailable, 1); // '+' for devices and channels
    properties.setInteger(Properties::SubscriptionIdentifierAvailable, 1);
    properties.setInteger(Properties::SharedSubscriptionAvailable, 1);
}

std::optional<Refusal> IntegrationEndpoint::checkCommandTopic(const auth::Identity &identity,
                                                              QByteArrayView topic) const
{
    const auto command = TopicScheme::parseCommandTopic(topic);
    if (!command)
        return Refusal{ReasonCode::TopicNameInvalid,
                       QStringLiteral("'%1' is not a command topic: publish to "
                                      "command/<application>/<device>/<command>")
                           .arg(QString::fromUtf8(topic))};
    const auto decision = m_context.policy->check(identity, command->application, Permission::Command);
    if (decision != AccessPolicy::Decision::Allowed)
        return Refusal{ReasonCode::NotAuthorized, describeRefusal(decision, command->application, "command")};
    return std::nullopt;
}

std::optional<Refusal> IntegrationEndpoint::checkWill(const auth::Identity &identity, const Will &will) const
{
    if (will.retain)
        return Refusal{ReasonCode::RetainNotSupported, QStringLiteral("retained wills are not supported")};
    auto refusal = checkCommandTopic(identity, will.topic);
    if (refusal && refusal->reasonCode == ReasonCode::TopicNameInvalid)
        refusal->reason =
            QStringLiteral("a will can only be a command: command/<application>/<device>/<command>");
    else if (refusal)
        refusal->reason.prepend(QStringLiteral("will: "));
    return refusal;
}

void IntegrationEndpoint::sendWill(const auth::Identity &identity, const QString &clientId, const Will &will)
{
    Q_UNUSED(identity);
    const auto topic = TopicScheme::parseCommandTopic(will.topic); // checked at CONNECT
    if (!topic)
        return;
    const backend::Command command = commandFor(*topic, will.payload, will.properties, clientId);
    qCInfo(lcConnection).noquote() << "client" << clientId << "sends its will:" << command.name << "to"
                                   << command.application + QLatin1Char('/') + command.device;
    // The sink is the callback's context: the connection or session may be ending right now.
    m_context.commands->send(command, m_context.commands, [command](const backend::CommandResult &result) {
        if (!result.accepted())
            qCWarning(lcConnection).noquote() << "will of" << command.sender << "for device" << command.device
                                              << "refused:" << result.message;
    });
}

std::optional<Refusal> IntegrationEndpoint::checkPublish(const auth::Identity &identity,
                                                         const PublishPacket &packet)
{
    return checkCommandTopic(identity, packet.topic);
}

void IntegrationEndpoint::publish(const auth::Identity &identity, const QString &clientId,
                                  const PublishPacket &packet, QObject *context, PublishDone done)
{
    Q_UNUSED(identity);
    const auto topic = TopicScheme::parseCommandTopic(packet.topic); // checked by checkPublish
    if (!topic)
        return done(Refusal{ReasonCode::TopicNameInvalid, QStringLiteral("not a command topic")});
    m_context.commands->send(
        commandFor(*topic, packet.payload, packet.properties, clientId), context,
        [done = std::move(done)](const backend::CommandResult &result) { done(commandRefusal(result)); });
}

QList<ReasonCode> IntegrationEndpoint::subscribe(const auth::Identity &identity, Session &session,
                                                 const SubscribePacket &packet, ProtocolVersion version,
                                                 QStringList &reasons)
{
    SubscriptionOptions options;
    QString optionError;
    if (version == ProtocolVersion::V5) {
        const QByteArray mode = packet.properties.userProperty("content-mode");
        if (mode.isNull() || mode == "structured")
            options.mode = cloudevents::ContentMode::Structured;
        else if (mode == "binary")
            options.mode = cloudevents::ContentMode::Binary;
        else
            optionError = QStringLiteral("unknown content-mode '%1': use structured or binary")
                              .arg(QString::fromUtf8(mode));

        const QByteArray start = packet.properties.userProperty("start");
        if (start.isNull() || start == "latest") {
            options.start.kind = backend::StartPosition::Kind::Latest;
        } else if (start == "earliest") {
            options.start.kind = backend::StartPosition::Kind::Earliest;
        } else {
            const QDateTime time = cloudevents::CloudEvent::parseTime(start);
            if (time.isValid()) {
                options.start = {backend::StartPosition::Kind::Time, time.toUTC()};
            } else {
                optionError =
                    QStringLiteral("start must be earliest, latest or an RFC 3339 time with a zone, "
                                   "not '%1'")
                        .arg(QString::fromUtf8(start));
            }
        }
        const QList<quint32> &ids = packet.properties.subscriptionIdentifiers();
        options.subscriptionId = ids.isEmpty() ? 0 : ids.first();
    }
    if (!optionError.isEmpty()) {
        reasons.append(optionError);
        return QList<ReasonCode>(packet.subscriptions.size(), ReasonCode::ImplementationSpecificError);
    }

    QList<ReasonCode> codes;
    for (const SubscriptionRequest &request : packet.subscriptions) {
        auto parsed = TopicScheme::parseFilter(request.filter);
        if (auto *refusal = std::get_if<FilterRefusal>(&parsed)) {
            codes.append(refusal->reasonCode);
            reasons.append(refusal->message);
            continue;
        }
        const EventFilter &filter = std::get<EventFilter>(parsed);
        const auto decision = m_context.policy->check(identity, filter.application, Permission::Read);
        if (decision != AccessPolicy::Decision::Allowed) {
            codes.append(ReasonCode::NotAuthorized);
            reasons.append(describeRefusal(decision, filter.application, "read"));
            continue;
        }
        // QoS 2 is granted as 1: events are delivered at least once.
        options.qos = request.maximumQoS == QoS::AtMostOnce ? QoS::AtMostOnce : QoS::AtLeastOnce;
        session.subscribe(filter, options);
        codes.append(options.qos == QoS::AtMostOnce ? ReasonCode::Success : ReasonCode::GrantedQoS1);
    }
    return codes;
}

} // namespace drover::session
