#include "jsonpath.h"

#include "cloudevents/jsonscanner.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace drover::ui {

namespace {

void collect(const QJsonValue &value, const QString &path, int depth, QStringList &out)
{
    if (out.size() >= JsonPath::MaxPaths)
        return;
    const auto child = [&path](const QString &segment) {
        return path.isEmpty() ? segment : path + QLatin1Char('.') + segment;
    };
    if (value.isDouble()) {
        out.append(path);
    } else if (depth >= JsonPath::MaxDepth) {
        return;
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end() && out.size() < JsonPath::MaxPaths; ++it)
            collect(it.value(), child(it.key()), depth + 1, out);
    } else if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size() && out.size() < JsonPath::MaxPaths; ++i)
            collect(array.at(i), child(QString::number(i)), depth + 1, out);
    }
}

// The index a segment names (plain decimal digits), or -1.
qsizetype arrayIndex(const QString &segment)
{
    if (segment.isEmpty() || segment.size() > 9)
        return -1;
    qsizetype index = 0;
    for (const QChar c : segment) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return -1;
        index = index * 10 + (c.unicode() - '0');
    }
    return index;
}

} // namespace

JsonPath::JsonPath(const QString &path)
{
    if (!path.isEmpty())
        m_segments = path.split(QLatin1Char('.'));
}

std::optional<double> JsonPath::number(const QJsonValue &value) const
{
    QJsonValue current = value;
    for (const QString &segment : m_segments) {
        if (current.isObject()) {
            current = current.toObject().value(segment);
        } else if (current.isArray()) {
            const QJsonArray array = current.toArray();
            const qsizetype index = arrayIndex(segment);
            if (index < 0 || index >= array.size())
                return std::nullopt;
            current = array.at(index);
        } else {
            return std::nullopt;
        }
    }
    if (!current.isDouble())
        return std::nullopt;
    return current.toDouble();
}

std::optional<double> JsonPath::number(QByteArrayView data) const
{
    return number(parse(data));
}

QStringList JsonPath::numericPaths(const QJsonValue &value)
{
    QStringList paths;
    collect(value, QString(), 0, paths);
    return paths;
}

QStringList JsonPath::numericPaths(const ReceivedEvent &event)
{
    return numericPaths(parse(event.event.data));
}

QJsonValue JsonPath::parse(QByteArrayView data)
{
    const QByteArrayView json = cloudevents::JsonScanner::trimmed(data);
    if (json.isEmpty())
        return QJsonValue(QJsonValue::Undefined);
    QJsonParseError error;
    if (json.front() == '{' || json.front() == '[') {
        const QJsonDocument document =
            QJsonDocument::fromJson(QByteArray::fromRawData(json.data(), json.size()), &error);
        if (error.error != QJsonParseError::NoError)
            return QJsonValue(QJsonValue::Undefined);
        return document.isObject() ? QJsonValue(document.object()) : QJsonValue(document.array());
    }
    // A bare scalar: wrapped in an array, as QJsonDocument only reads objects and arrays.
    const QJsonDocument document = QJsonDocument::fromJson('[' + json.toByteArray() + ']', &error);
    if (error.error != QJsonParseError::NoError || document.array().size() != 1)
        return QJsonValue(QJsonValue::Undefined);
    return document.array().at(0);
}

} // namespace drover::ui
