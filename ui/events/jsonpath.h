// A numeric field of an event's JSON data, addressed by a dotted path.
#pragma once

#include "receivedevent.h"

#include <QJsonValue>
#include <QStringList>
#include <optional>

namespace drover::ui {

// "temperature", "state.temperature", "readings.0.value": each segment is an object member,
// or an array index (decimal) when the value there is an array. The empty path is the data
// itself (a device that sends a bare number). Member names containing '.' cannot be
// addressed. Only JSON numbers count: "21.5" (a string) and true are not numbers.
class JsonPath
{
public:
    // Limits of numericPaths(): a plot's field list, not a schema dump.
    static constexpr int MaxDepth = 16;
    static constexpr int MaxPaths = 256;

    JsonPath() = default;
    explicit JsonPath(const QString &path);

    QString toString() const { return m_segments.join(QLatin1Char('.')); }
    bool operator==(const JsonPath &o) const { return m_segments == o.m_segments; }

    std::optional<double> number(const QJsonValue &value) const;
    // Parses data (any JSON value, also a bare number); nullopt if it is not JSON.
    std::optional<double> number(QByteArrayView data) const;
    std::optional<double> number(const ReceivedEvent &event) const { return number(event.event.data); }

    // Paths of the numbers in value, in document order for arrays and member-name order for
    // objects (QJsonObject's), depth-first; at most MaxPaths, MaxDepth levels deep.
    static QStringList numericPaths(const QJsonValue &value);
    static QStringList numericPaths(const ReceivedEvent &event);

    // The data as one JSON value (also a bare scalar, which QJsonDocument alone refuses);
    // Undefined if it is not JSON.
    static QJsonValue parse(QByteArrayView data);

private:
    QStringList m_segments;
};

} // namespace drover::ui
