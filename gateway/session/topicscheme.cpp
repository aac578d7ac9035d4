#include "topicscheme.h"

#include "cloudevents/cloudevent.h"
#include "mqtt/topic.h"

namespace drover::session {

using mqtt::ReasonCode;

namespace {

bool isWildcard(QByteArrayView level)
{
    return level == "+" || level == "#";
}

bool containsWildcardChar(QByteArrayView level)
{
    return level.contains('+') || level.contains('#');
}

FilterRefusal refuse(ReasonCode code, QString message)
{
    return FilterRefusal{code, std::move(message)};
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// A device or channel level of a filter names a device or channel as delivery topics write
// it (TopicScheme::appendTopicLevel), so '%XX' escapes are decoded; a stray '%' is refused,
// or the filter could never match its own delivery topics.
std::optional<QByteArray> decodeLevel(const QByteArray &level)
{
    QByteArray decoded;
    decoded.reserve(level.size());
    for (qsizetype i = 0; i < level.size(); ++i) {
        if (level[i] != '%') {
            decoded.append(level[i]);
            continue;
        }
        if (i + 2 >= level.size())
            return std::nullopt;
        const int high = hexValue(level[i + 1]);
        const int low = hexValue(level[i + 2]);
        if (high < 0 || low < 0)
            return std::nullopt;
        decoded.append(char(high * 16 + low));
        i += 2;
    }
    return decoded;
}

} // namespace

std::variant<EventFilter, FilterRefusal> TopicScheme::parseFilter(const QByteArray &filter)
{
    if (!mqtt::isValidTopicFilter(filter))
        return refuse(ReasonCode::TopicFilterInvalid,
                      QStringLiteral("'%1' is not a valid MQTT topic filter").arg(QString::fromUtf8(filter)));

    EventFilter result;
    result.filter = filter;
    QList<QByteArray> levels = filter.split('/');

    if (levels.first() == "$share" || levels.first() == "$shared") { // $shared: Drogue's legacy spelling
        if (levels.size() < 3)
            return refuse(ReasonCode::TopicFilterInvalid, QStringLiteral("a shared subscription needs "
                                                                         "$share/<group>/app/<application>"));
        if (levels[1].isEmpty() || containsWildcardChar(levels[1]))
            return refuse(ReasonCode::TopicFilterInvalid,
                          QStringLiteral("invalid share group name '%1'").arg(QString::fromUtf8(levels[1])));
        result.sharedGroup = QString::fromUtf8(levels[1]);
        levels.remove(0, 2);
    }

    const QByteArray &prefix = levels.first();
    if (isWildcard(prefix))
        return refuse(ReasonCode::WildcardSubscriptionsNotSupported,
                      QStringLiteral("wildcards can only select devices and channels: subscribe to "
                                     "app/<application>[/<device>[/<channel>]]"));
    if (prefix != "app" && prefix != "a" && prefix != "application")
        return refuse(ReasonCode::TopicFilterInvalid,
                      QStringLiteral("'%1' is not an event stream: subscribe to app/<application>")
                          .arg(QString::fromUtf8(filter)));
    if (levels.size() < 2 || levels[1].isEmpty())
        return refuse(ReasonCode::TopicFilterInvalid,
                      QStringLiteral("no application in '%1'").arg(QString::fromUtf8(filter)));
    if (isWildcard(levels[1]))
        return refuse(ReasonCode::WildcardSubscriptionsNotSupported,
                      QStringLiteral("subscribe to one application at a time, not '%1'")
                          .arg(QString::fromUtf8(filter)));
    if (levels.size() > 4)
        return refuse(ReasonCode::TopicFilterInvalid,
                      QStringLiteral("'%1' has too many levels: app/<application>/<device>/<channel>")
                          .arg(QString::fromUtf8(filter)));

    result.prefix = prefix;
    result.application = QString::fromUtf8(levels[1]);
    if (levels.size() == 2)
        return result;

    result.narrow = true;
    result.narrowSuffix = levels.mid(2).join('/');
    const auto literal = [&filter](const QByteArray &level, const char *what,
                                   std::optional<QByteArray> &out) -> std::optional<FilterRefusal> {
        if (level.isEmpty())
            return refuse(
                ReasonCode::TopicFilterInvalid,
                QStringLiteral("empty %1 level in '%2'").arg(QLatin1String(what), QString::fromUtf8(filter)));
        out = decodeLevel(level);
        if (!out)
            return refuse(ReasonCode::TopicFilterInvalid,
                          QStringLiteral("bad %-escape in the %1 level of '%2' (write '%' as %25)")
                              .arg(QLatin1String(what), QString::fromUtf8(filter)));
        return std::nullopt;
    };
    const QByteArray &device = levels[2];
    if (device == "#") { // app/<app>/#: every device and channel
        result.channelLevel = true;
        return result;
    }
    if (device != "+") {
        if (auto refusal = literal(device, "device", result.device))
            return *refusal;
    }
    if (levels.size() == 3)
        return result;

    result.channelLevel = true;
    const QByteArray &channel = levels[3];
    if (channel != "+" && channel != "#") {
        if (auto refusal = literal(channel, "channel", result.channel))
            return *refusal;
    }
    return result;
}

bool EventFilter::matches(const cloudevents::CloudEvent &event) const
{
    return (!device || *device == event.device) && (!channel || *channel == event.subject);
}

void EventFilter::deliveryTopic(const cloudevents::CloudEvent &event, QByteArray &out) const
{
    out.clear();
    if (!narrow) {
        // The filter without its $share prefix (MQTT-4.8.2), e.g. app/demo or a/demo.
        const qsizetype start = sharedGroup.isEmpty() ? 0 : filter.indexOf('/', filter.indexOf('/') + 1) + 1;
        out.append(QByteArrayView(filter).sliced(start));
        return;
    }
    out.append(prefix).append('/').append(application.toUtf8()).append('/');
    TopicScheme::appendTopicLevel(out, event.device);
    if (channelLevel) {
        out.append('/');
        TopicScheme::appendTopicLevel(out, event.subject);
    }
}

QString EventFilter::groupId(const QString &clientId) const
{
    QString id = application + QLatin1Char('.') + (sharedGroup.isEmpty() ? clientId : sharedGroup);
    if (narrow)
        id += QLatin1Char('/') + QString::fromUtf8(narrowSuffix);
    return id;
}

std::optional<TopicScheme::CommandTopic> TopicScheme::parseCommandTopic(QByteArrayView topic)
{
    const qsizetype first = topic.indexOf('/');
    if (first < 0 || topic.first(first).compare("command", Qt::CaseInsensitive) != 0)
        return std::nullopt;
    const qsizetype second = topic.indexOf('/', first + 1);
    if (second < 0)
        return std::nullopt;
    const qsizetype third = topic.indexOf('/', second + 1);
    if (third < 0)
        return std::nullopt;
    CommandTopic result;
    result.application = QString::fromUtf8(topic.sliced(first + 1, second - first - 1));
    result.device = QString::fromUtf8(topic.sliced(second + 1, third - second - 1));
    result.command = QString::fromUtf8(topic.sliced(third + 1));
    if (result.application.isEmpty() || result.device.isEmpty() || result.command.isEmpty())
        return std::nullopt;
    return result;
}

void TopicScheme::appendTopicLevel(QByteArray &out, QByteArrayView level)
{
    for (char c : level) {
        switch (c) {
        case '/':
            out.append("%2F");
            break;
        case '+':
            out.append("%2B");
            break;
        case '#':
            out.append("%23");
            break;
        case '%':
            out.append("%25");
            break;
        default:
            out.append(c);
        }
    }
}

} // namespace drover::session
