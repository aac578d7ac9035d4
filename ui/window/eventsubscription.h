// What one tab of the console watches: an application's events, optionally one device
// and/or channel, in structured or binary content mode, in a shared group or its own.
#pragma once

#include "mqtt/packets.h"

#include <QString>

namespace drover::ui {

struct EventSubscription {
    QString application;
    QString device;            // empty: every device
    QString channel;           // empty: every channel
    bool binary = false;       // MQTT 5 only: CloudEvents binary content mode
    QString sharedGroup;       // empty: the connection's own consumer group
    bool fromEarliest = false; // a new group replays what the log still holds (MQTT 5)
    mqtt::QoS qos = mqtt::QoS::AtLeastOnce;

    // The topic filter: [$share/<group>/]app/<application>[/<device>|+[/<channel>]].
    QByteArray filter() const;
    // The MQTT 5 SUBSCRIBE user properties it needs (content-mode, start).
    mqtt::Properties properties() const;
    // A tab title: "demo", "demo / device-1", "demo / * / state", with "(binary)" etc.
    QString title() const;
    // Empty when usable, else why not in plain words.
    QString validate(mqtt::ProtocolVersion version) const;

    bool operator==(const EventSubscription &o) const;
};

} // namespace drover::ui
