// A dotted path to a number in an event's JSON data: "temperature", "state.temperature",
// "values.0" (an array index). The plots read their values through it.
#pragma once

#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <optional>

namespace drover::ui {

class FieldPath
{
public:
    FieldPath() = default;
    // Segments are separated by '.'; surrounding white space is ignored. A segment of
    // digits indexes an array (in an object it is an ordinary key). Keys that contain a '.'
    // can't be addressed.
    explicit FieldPath(const QString &path);

    bool isEmpty() const { return m_segments.isEmpty(); }
    QString toString() const { return m_segments.join(u'.'); }
    const QStringList &segments() const { return m_segments; }

    // The number at the path; nullopt when something on the way is missing or the value
    // is not a JSON number (strings and booleans are not plotted).
    std::optional<double> number(const QJsonValue &root) const;

    // The JSON data of an event when it can hold fields: an object or an array; nullopt for
    // anything else (not JSON, or a scalar). Cheap refusal of what does not start with { or [.
    static std::optional<QJsonValue> parseData(const QByteArray &data);

    // The paths of the numbers in `root`, depth first in key order; at most maxPaths, at
    // most maxDepth segments, at most MaxArrayItems of each array.
    static QStringList numericPaths(const QJsonValue &root, int maxPaths = 100, int maxDepth = 8);
    static constexpr int MaxArrayItems = 8;

    bool operator==(const FieldPath &other) const { return m_segments == other.m_segments; }
    bool operator!=(const FieldPath &other) const { return !(*this == other); }

private:
    QStringList m_segments;
};

} // namespace drover::ui
