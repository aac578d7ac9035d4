// A CloudEvent (spec v1.0) as Drogue Cloud fills it for device events and commands.
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <utility>

namespace drover::cloudevents {

// Attribute values are UTF-8. Implicitly shared through its QByteArray members, so copies are cheap.
struct CloudEvent {
    static constexpr const char *SpecVersion = "1.0";
    static constexpr const char *DeviceEventType = "io.drogue.event.v1";
    static constexpr const char *ConnectionEventType = "io.drogue.connection.v1";

    QByteArray id;     // UUID v4
    QByteArray source; // drogue://<app>/<percent-encoded device>
    QByteArray type = DeviceEventType;
    QByteArray subject; // the channel (events) or command name (commands)
    QDateTime time;     // UTC, time of ingestion
    QByteArray dataContentType;
    QByteArray dataSchema; // optional

    // Drogue's extensions (service-api/src/id.rs).
    QByteArray application;
    QByteArray device;       // the logical device (the "as" device when a gateway sends)
    QByteArray sender;       // the connected device or gateway
    QByteArray partitionKey; // <app>/<sender>
    QByteArray instance;     // name of the gateway instance that ingested the event
    QList<std::pair<QByteArray, QByteArray>> extensions; // any further extension attributes

    QByteArray data; // the payload, byte for byte as the device sent it

    bool operator==(const CloudEvent &o) const;
    bool operator!=(const CloudEvent &o) const { return !(*this == o); }

    // RFC 3339 in UTC with microseconds, e.g. 2026-11-25T12:00:00.123456Z.
    QByteArray timeString() const;
    // Every attribute but data and datacontenttype as (name, value) in a stable order:
    // specversion, id, type, source, subject, time, dataschema (if set), the Drogue
    // extensions that are set, then `extensions`. Binary mode writes exactly these.
    QList<std::pair<QByteArray, QByteArray>> attributes() const;
};

// True for JSON media types: application/json, text/json, anything +json (parameters ignored).
bool isJsonContentType(QByteArrayView contentType);
// True if bytes are one JSON value (RFC 8259; objects, arrays, strings, numbers, literals).
bool isJsonValue(QByteArrayView bytes);
// RFC 3986 percent-encoding of a path segment (unreserved characters stay as they are).
QByteArray percentEncodeSegment(QByteArrayView segment);

} // namespace drover::cloudevents
