// What a device sent, made into its CloudEvent (Drogue's content type rules) and appended
// to the event log: the one route of the device endpoints over MQTT and HTTP, so the two
// give the same event and the same outcomes, each mapped to its own protocol's codes.
#pragma once

#include "eventlog.h"

#include "cloudevents/deviceeventfactory.h"

namespace drover::backend {

class DeviceEventPublisher
{
public:
    struct Outcome {
        enum class Status {
            Accepted,
            InvalidPayload, // the payload contradicts its declared JSON content type
            Full,           // the log can't take more now: never a silent drop
            UnknownApplication,
            Unavailable,
        };
        Status status = Status::Accepted;
        QString message; // why, for a refusal; never the payload
        bool accepted() const { return status == Status::Accepted; }
    };
    using Done = std::function<void(const Outcome &)>;

    DeviceEventPublisher(EventLog *events, QByteArray instance);

    // Publishes message as an event of `type`. `done` runs once on the event loop (possibly
    // before publish returns), not at all if `context` is destroyed first. Without a
    // context the outcome is only logged: connection events, wills, QoS 0.
    void publish(const cloudevents::DeviceMessage &message, const QByteArray &type, QObject *context,
                 Done done) const;

    const cloudevents::DeviceEventFactory &factory() const { return m_factory; }

private:
    EventLog *m_events;
    cloudevents::DeviceEventFactory m_factory;
};

} // namespace drover::backend
