#include "fieldpath.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace drover::ui {

namespace {

void collect(const QJsonValue &value, const QString &prefix, int depth, int maxDepth, int maxPaths,
             QStringList &out)
{
    if (out.size() >= maxPaths)
        return;
    if (value.isDouble()) {
        if (!prefix.isEmpty())
            out.append(prefix);
        return;
    }
    if (depth >= maxDepth)
        return;
    const auto join = [&prefix](const QString &segment) {
        return prefix.isEmpty() ? segment : prefix + u'.' + segment;
    };
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end() && out.size() < maxPaths; ++it) {
            if (it.key().isEmpty() || it.key().contains(u'.')) // not addressable by a dotted path
                continue;
            collect(it.value(), join(it.key()), depth + 1, maxDepth, maxPaths, out);
        }
    } else if (value.isArray()) {
        const QJsonArray array = value.toArray();
        const qsizetype n = std::min<qsizetype>(array.size(), FieldPath::MaxArrayItems);
        for (qsizetype i = 0; i < n && out.size() < maxPaths; ++i)
            collect(array.at(i), join(QString::number(i)), depth + 1, maxDepth, maxPaths, out);
    }
}

} // namespace

FieldPath::FieldPath(const QString &path)
{
    const QString trimmed = path.trimmed();
    if (trimmed.isEmpty())
        return;
    for (const QString &segment : trimmed.split(u'.'))
        m_segments.append(segment.trimmed());
}

std::optional<double> FieldPath::number(const QJsonValue &root) const
{
    if (m_segments.isEmpty())
        return std::nullopt;
    QJsonValue value = root;
    for (const QString &segment : m_segments) {
        if (value.isObject()) {
            value = value.toObject().value(segment);
        } else if (value.isArray()) {
            const bool digits =
                !segment.isEmpty() && segment.size() <= 9 &&
                std::all_of(segment.begin(), segment.end(), [](QChar c) { return c.isDigit(); });
            const QJsonArray array = value.toArray();
            const qsizetype i = digits ? segment.toLongLong() : -1;
            if (i < 0 || i >= array.size())
                return std::nullopt;
            value = array.at(i);
        } else {
            return std::nullopt;
        }
    }
    if (!value.isDouble())
        return std::nullopt;
    return value.toDouble();
}

std::optional<QJsonValue> FieldPath::parseData(const QByteArray &data)
{
    qsizetype i = 0;
    while (i < data.size() && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
        ++i;
    if (i == data.size() || (data[i] != '{' && data[i] != '['))
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(data, &error);
    if (error.error != QJsonParseError::NoError)
        return std::nullopt;
    if (document.isObject())
        return QJsonValue(document.object());
    return QJsonValue(document.array());
}

QStringList FieldPath::numericPaths(const QJsonValue &root, int maxPaths, int maxDepth)
{
    QStringList paths;
    collect(root, QString(), 0, maxDepth, maxPaths, paths);
    return paths;
}

} // namespace drover::ui
