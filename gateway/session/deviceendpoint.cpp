#include "deviceendpoint.h"

#include "deviceinbox.h"
#include "session.h"

#include "registry/deviceregistry.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDevice, "drover.device")

namespace drover::session {

using namespace mqtt;

namespace {

std::optional<Refusal> publishRefusal(const backend::DeviceEventPublisher::Outcome &outcome)
{
    using S = backend::DeviceEventPublisher::Outcome::Status;
    switch (outcome.status) {
    case S::Accepted:
        return std::nullopt;
    case S::InvalidPayload:
        return Refusal{ReasonCode::PayloadFormatInvalid, outcome.message};
    case S::Full:
        return Refusal{ReasonCode::QuotaExceeded, outcome.message}; // never a silent drop
    case S::UnknownApplication:
        return Refusal{ReasonCode::NotAuthorized, outcome.message};
    case S::Unavailable:
        break;
    }
    return Refusal{ReasonCode::UnspecifiedError, outcome.message};
}

} // namespace

DeviceEndpoint::DeviceEndpoint(backend::EventLog *events, backend::CommandSource *commands,
                               RegistryGetter registry, const QByteArray &instance)
    : m_publisher(events, instance)
    , m_commands(commands)
    , m_registry(std::move(registry))
{}

DeviceEndpoint::~DeviceEndpoint()
{
    qDeleteAll(std::exchange(m_inboxes, {}));
}

QString DeviceEndpoint::sessionKey(const auth::Identity &identity, const QString &clientId) const
{
    Q_UNUSED(clientId);
    return identity.user; // one session per device: a newer connection takes over (0x8E)
}

void DeviceEndpoint::addConnackProperties(Properties &properties) const
{
    properties.setInteger(Properties::RetainAvailable, 0);
    properties.setInteger(Properties::WildcardSubscriptionAvailable, 1); // command/inbox/#
    properties.setInteger(Properties::SubscriptionIdentifierAvailable, 0);
    properties.setInteger(Properties::SharedSubscriptionAvailable, 0);
}

void DeviceEndpoint::attached(const auth::Identity &identity, Session &session)
{
    m_inboxes.insert(&session, new DeviceInbox(identity, &session, m_commands));
    // Like Drogue's device-state service: applications learn when a device can take a command.
    publishEvent(identity, Target{QStringLiteral("connection"), identity.device},
                 QByteArrayLiteral("{\"connected\":true}"), QByteArrayLiteral("application/json"),
                 cloudevents::CloudEvent::ConnectionEventType, nullptr, nullptr);
}

void DeviceEndpoint::detached(const auth::Identity &identity, Session &session)
{
    delete m_inboxes.take(&session); // commands for the device wait in the backend again
    publishEvent(identity, Target{QStringLiteral("connection"), identity.device},
                 QByteArrayLiteral("{\"connected\":false}"), QByteArrayLiteral("application/json"),
                 cloudevents::CloudEvent::ConnectionEventType, nullptr, nullptr);
}

std::variant<DeviceEndpoint::Target, Refusal> DeviceEndpoint::parseTopic(const auth::Identity &identity,
                                                                         QByteArrayView topic) const
{
    const QList<QByteArrayView> levels = [&] {
        QList<QByteArrayView> parts;
        qsizetype start = 0;
        for (qsizetype i = 0; i <= topic.size(); ++i) {
            if (i == topic.size() || topic[i] == '/') {
                parts.append(topic.sliced(start, i - start));
                start = i + 1;
            }
        }
        return parts;
    }();
    if (levels.size() > 2 || levels.first().isEmpty() || (levels.size() == 2 && levels[1].isEmpty()))
        return Refusal{
            ReasonCode::TopicNameInvalid,
            QStringLiteral("'%1' is not a device topic: publish to <channel>, or <channel>/<device> "
                           "for a device this one is a gateway for")
                .arg(QString::fromUtf8(topic))};
    Target target{QString::fromUtf8(levels[0]), identity.device};
    if (levels.size() == 2) {
        target.device = QString::fromUtf8(levels[1]);
        if (target.device != identity.device &&
            !m_registry()->isGatewayFor(identity.application, identity.device, target.device))
            return Refusal{
                ReasonCode::NotAuthorized,
                QStringLiteral("device %1 is not a gateway for '%2'").arg(identity.device, target.device)};
    }
    return target;
}

std::optional<Refusal> DeviceEndpoint::checkWill(const auth::Identity &identity, const Will &will) const
{
    if (will.retain)
        return Refusal{ReasonCode::RetainNotSupported, QStringLiteral("retained wills are not supported")};
    const auto target = parseTopic(identity, will.topic);
    if (const auto *refusal = std::get_if<Refusal>(&target))
        return *refusal;
    return std::nullopt;
}

void DeviceEndpoint::sendWill(const auth::Identity &identity, const QString &clientId, const Will &will)
{
    Q_UNUSED(clientId);
    const auto target = parseTopic(identity, will.topic);
    if (const auto *t = std::get_if<Target>(&target)) {
        qCInfo(lcDevice).noquote() << "device" << identity.user << "sends its will on channel" << t->channel;
        publishEvent(identity, *t, will.payload, will.properties.contentType(),
                     cloudevents::CloudEvent::DeviceEventType, nullptr, nullptr);
    }
}

std::optional<Refusal> DeviceEndpoint::checkPublish(const auth::Identity &identity,
                                                    const PublishPacket &packet)
{
    const auto target = parseTopic(identity, packet.topic);
    if (const auto *refusal = std::get_if<Refusal>(&target))
        return *refusal;
    return std::nullopt;
}

void DeviceEndpoint::publish(const auth::Identity &identity, const QString &clientId,
                             const PublishPacket &packet, QObject *context, PublishDone done)
{
    Q_UNUSED(clientId);
    const auto target = parseTopic(identity, packet.topic); // checked by checkPublish
    if (const auto *refusal = std::get_if<Refusal>(&target))
        return done(*refusal);
    publishEvent(identity, std::get<Target>(target), packet.payload, packet.properties.contentType(),
                 cloudevents::CloudEvent::DeviceEventType, context, std::move(done));
}

void DeviceEndpoint::publishEvent(const auth::Identity &identity, const Target &target,
                                  const QByteArray &payload, const QByteArray &contentType,
                                  const QByteArray &type, QObject *context, PublishDone done)
{
    cloudevents::DeviceMessage message;
    message.application = identity.application.toUtf8();
    message.device = target.device.toUtf8();
    message.sender = identity.device.toUtf8();
    message.channel = target.channel.toUtf8();
    message.payload = payload;
    message.contentType = contentType;
    if (!done)
        return m_publisher.publish(message, type, nullptr, {}); // outcome only logged
    m_publisher.publish(message, type, context,
                        [done = std::move(done)](const backend::DeviceEventPublisher::Outcome &outcome) {
                            done(publishRefusal(outcome));
                        });
}

QList<ReasonCode> DeviceEndpoint::subscribe(const auth::Identity &identity, Session &session,
                                            const SubscribePacket &packet, ProtocolVersion version,
                                            QStringList &reasons)
{
    Q_UNUSED(version);
    if (!packet.properties.subscriptionIdentifiers().isEmpty()) {
        reasons.append(QStringLiteral("subscription identifiers are not available on the device endpoint"));
        return QList<ReasonCode>(packet.subscriptions.size(),
                                 ReasonCode::SubscriptionIdentifiersNotSupported);
    }
    DeviceInbox *inbox = m_inboxes.value(&session);
    const std::shared_ptr<const registry::DeviceRegistry> registry = m_registry();
    QList<ReasonCode> codes;
    for (const SubscriptionRequest &request : packet.subscriptions) {
        const QByteArray &filter = request.filter;
        // Drogue sends commands at QoS 0 only. Drover grants QoS 1 to devices that ask: each
        // command then waits for the device's PUBACK, which answers the sender.
        const QoS qos = std::min(request.maximumQoS, QoS::AtLeastOnce);
        if (filter == "command/inbox/#" || filter == "command/inbox/+/#") {
            const registry::Device *self = registry->lookup(identity.application, identity.device);
            inbox->subscribeAll(self ? self->gatewayFor : QSet<QString>{}, qos);
        } else if (filter == "command/inbox//#") {
            inbox->subscribeOwn(qos);
        } else if (filter.startsWith("command/inbox/") && filter.endsWith("/#") && filter.count('/') == 3 &&
                   !filter.contains('+')) {
            const QString device = QString::fromUtf8(filter.mid(14, filter.size() - 16));
            if (device != identity.device &&
                !registry->isGatewayFor(identity.application, identity.device, device)) {
                codes.append(ReasonCode::NotAuthorized);
                reasons.append(
                    QStringLiteral("device %1 is not a gateway for '%2'").arg(identity.device, device));
                continue;
            }
            inbox->subscribeDevice(device, qos);
        } else {
            codes.append(ReasonCode::TopicFilterInvalid);
            reasons.append(QStringLiteral("devices subscribe to command/inbox/#, command/inbox//# or "
                                          "command/inbox/<device>/#, not '%1'")
                               .arg(QString::fromUtf8(filter)));
            continue;
        }
        codes.append(qos == QoS::AtLeastOnce ? ReasonCode::GrantedQoS1 : ReasonCode::Success);
    }
    return codes;
}

} // namespace drover::session
