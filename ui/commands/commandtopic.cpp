#include "commandtopic.h"

#include <QStringList>

namespace drover::ui {

namespace {

constexpr qsizetype MaxTopicBytes = 65535; // MQTT UTF-8 string length (spec 1.5.4)

QString levelProblem(const QString &value, const QString &what, bool singleLevel)
{
    if (value.isEmpty())
        return QStringLiteral("the %1 is missing").arg(what);
    if (value.contains(u'+') || value.contains(u'#'))
        return QStringLiteral("the %1 contains '+' or '#': MQTT wildcards can't be part of a topic name")
            .arg(what);
    if (value.contains(QChar(0)))
        return QStringLiteral("the %1 contains the character U+0000").arg(what);
    if (singleLevel && value.contains(u'/'))
        return QStringLiteral("the %1 contains '/', which separates topic levels").arg(what);
    if (!singleLevel && value.split(u'/').contains(QString()))
        return QStringLiteral("the %1 has an empty level ('/' at its start or end, or '//')").arg(what);
    return {};
}

} // namespace

CommandTopic::CommandTopic(const QString &application, const QString &device, const QString &command)
    : m_application(application)
    , m_device(device)
    , m_command(command)
{}

QString CommandTopic::problem() const
{
    QString problem = levelProblem(m_application, QStringLiteral("application"), true);
    if (problem.isEmpty())
        problem = levelProblem(m_device, QStringLiteral("device"), true);
    if (problem.isEmpty())
        problem = levelProblem(m_command, QStringLiteral("command name"), false);
    if (problem.isEmpty()) {
        const qsizetype bytes =
            8 + m_application.toUtf8().size() + 1 + m_device.toUtf8().size() + 1 + m_command.toUtf8().size();
        if (bytes > MaxTopicBytes)
            problem =
                QStringLiteral("the topic is %1 bytes long, MQTT allows %2").arg(bytes).arg(MaxTopicBytes);
    }
    return problem;
}

QByteArray CommandTopic::topic() const
{
    if (!isValid())
        return {};
    return "command/" + m_application.toUtf8() + '/' + m_device.toUtf8() + '/' + m_command.toUtf8();
}

std::optional<CommandTopic> CommandTopic::parse(QByteArrayView topic)
{
    const qsizetype first = topic.indexOf('/');
    if (first < 0 || topic.first(first).compare("command", Qt::CaseInsensitive) != 0)
        return std::nullopt;
    const qsizetype second = topic.indexOf('/', first + 1);
    const qsizetype third = second < 0 ? -1 : topic.indexOf('/', second + 1);
    if (third < 0)
        return std::nullopt;
    CommandTopic parsed(QString::fromUtf8(topic.sliced(first + 1, second - first - 1)),
                        QString::fromUtf8(topic.sliced(second + 1, third - second - 1)),
                        QString::fromUtf8(topic.sliced(third + 1)));
    if (!parsed.isValid())
        return std::nullopt;
    return parsed;
}

} // namespace drover::ui
