// The integration's topic scheme: which SUBSCRIBE filters select which events, and which
// PUBLISH topics are commands. Pure: strings in, values out.
#pragma once

#include "mqtt/reasoncode.h"

#include <QByteArray>
#include <QString>
#include <optional>
#include <variant>

namespace drover::cloudevents {
struct CloudEvent;
}

namespace drover::session {

// A parsed event subscription filter:
//   app/<app>                      every event, delivered on the filter itself
//   a/<app>, application/<app>     Drogue's aliases of the above
//   app/<app>/<device>             one device (or '+': any), delivered on app/<app>/<device>
//   app/<app>/<device>/<channel>   device and channel ('+' allowed in either), delivered on
//                                  app/<app>/<device>/<channel>
//   app/<app>/#, app/<app>/<device>/#   any device / channel, delivered on the four-level topic
// Device and channel levels are written escaped ('/', '+', '#', '%' as %2F, %2B, %23, %25)
// in delivery topics, and literal levels of a filter are read the same way.
//   $share/<group>/<any of these>  the same, in consumer group <app>.<group>
// Delivery topics always match the filter (MQTT-4.7), so strict clients route them.
struct EventFilter {
    QByteArray filter; // as subscribed, including any $share prefix
    QByteArray prefix; // "app", "a" or "application"
    QString application;
    QString sharedGroup;               // empty for a plain subscription
    bool narrow = false;               // a device or channel level is present
    std::optional<QByteArray> device;  // nullopt: any device
    std::optional<QByteArray> channel; // nullopt: any channel
    bool channelLevel = false;         // delivery topics carry the channel level
    QByteArray narrowSuffix;           // the filter's levels after the application, e.g. "device-1/+"

    bool matches(const cloudevents::CloudEvent &event) const;
    // Appends the topic this event is delivered on for this filter to `out` (cleared first).
    void deliveryTopic(const cloudevents::CloudEvent &event, QByteArray &out) const;
    // The consumer group: <app>.<group> for a shared filter, <app>.<client id> for a plain
    // one (Drogue's ids); narrower filters append "/<the filter's device and channel levels>"
    // so that they never split events with the client's other subscriptions.
    QString groupId(const QString &clientId) const;
};

struct FilterRefusal {
    mqtt::ReasonCode reasonCode;
    QString message;
};

class TopicScheme
{
public:
    static std::variant<EventFilter, FilterRefusal> parseFilter(const QByteArray &filter);

    struct CommandTopic {
        QString application;
        QString device;
        QString command; // the rest of the topic: a command name may contain '/'
    };
    // command/<app>/<device>/<command>; the first level in any case, as Drogue accepts.
    static std::optional<CommandTopic> parseCommandTopic(QByteArrayView topic);

    // Escapes '/', '+', '#' and '%' so a device or channel name is one topic level.
    static void appendTopicLevel(QByteArray &out, QByteArrayView level);
};

} // namespace drover::session
