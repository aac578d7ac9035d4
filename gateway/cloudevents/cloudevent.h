// A CloudEvent (spec v1.0) as Drogue Cloud fills it for device events and commands.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
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
    // QDateTime holds milliseconds, so the last three digits are always 0. Empty when time
    // is invalid or its year is outside 0000-9999 (RFC 3339 has four-digit years).
    QByteArray timeString() const;
    // Parses an RFC 3339 date-time (any offset, 'T'/'t', 'Z'/'z', any number of fraction
    // digits, truncated to milliseconds; a leap second :60 becomes :59.999) into UTC.
    // Invalid QDateTime if text is not one.
    static QDateTime parseTime(QByteArrayView text);
    // Every attribute but data and datacontenttype as (name, value) in a stable order:
    // specversion, id, type, source, subject, time, dataschema (if set), the Drogue
    // extensions that are set, then `extensions`. Binary mode writes exactly these.
    // Optional attributes with empty values are left out (subject, time, extensions), and so
    // is any entry of `extensions` whose name isExtensionName() refuses or that repeats an
    // earlier one, so that a name never appears twice in the JSON format or in binary mode.
    QList<std::pair<QByteArray, QByteArray>> attributes() const;

    // The member holding the attribute called name when it is a plain string: id, source,
    // type, subject, datacontenttype, dataschema and the Drogue extensions; else nullptr.
    // Lets the decoders map names to members in one place.
    QByteArray *stringAttribute(QByteArrayView name);

    // Calls f(const QByteArray &name, const QByteArray &value) for each extension that
    // attributes() lists (the Drogue ones, then `extensions`), in the same order, without
    // building a list: the JSON format walks them once per event.
    template <typename F> void forEachExtension(F &&f) const;
};

// True for JSON media types: application/json, text/json, anything +json (parameters ignored).
bool isJsonContentType(QByteArrayView contentType);
// True if bytes are one JSON value (RFC 8259; objects, arrays, strings, numbers, literals).
bool isJsonValue(QByteArrayView bytes);
// RFC 3986 percent-encoding of a path segment (unreserved characters stay as they are).
QByteArray percentEncodeSegment(QByteArrayView segment);
// True if bytes are well-formed UTF-8 (no overlong forms, surrogates or values above U+10FFFF).
bool isValidUtf8(QByteArrayView bytes);
// True for a name usable as an extension attribute: CloudEvents' lowercase a-z and 0-9
// only, and not the name of a context attribute, of a Drogue extension above, or `data`.
bool isExtensionName(QByteArrayView name);

template <typename F> void CloudEvent::forEachExtension(F &&f) const
{
    const auto visit = [&f](const QByteArray &name, const QByteArray &value) {
        if (!value.isEmpty())
            f(name, value);
    };
    visit(QByteArrayLiteral("application"), application);
    visit(QByteArrayLiteral("device"), device);
    visit(QByteArrayLiteral("sender"), sender);
    visit(QByteArrayLiteral("partitionkey"), partitionKey);
    visit(QByteArrayLiteral("instance"), instance);
    for (qsizetype i = 0; i < extensions.size(); ++i) {
        const auto &[name, value] = extensions[i];
        if (value.isEmpty() || !isExtensionName(name))
            continue;
        bool repeated = false; // only an earlier entry that was written counts
        for (qsizetype j = 0; j < i && !repeated; ++j)
            repeated = extensions[j].first == name && !extensions[j].second.isEmpty();
        if (!repeated)
            f(name, value);
    }
}

} // namespace drover::cloudevents
