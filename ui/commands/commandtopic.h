// The topic of a command, command/<application>/<device>/<command>, built from its parts
// and checked before anything is sent, so the composer can say what is wrong in words
// instead of getting a PUBACK 0x90 (or, with MQTT 3.1.1, a closed connection).
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <optional>

namespace drover::ui {

class CommandTopic
{
public:
    CommandTopic() = default;
    CommandTopic(const QString &application, const QString &device, const QString &command);

    const QString &application() const { return m_application; }
    const QString &device() const { return m_device; }
    const QString &command() const { return m_command; }

    // Why these parts make no command topic, in plain words; empty when they do. Every part
    // must be non-empty and free of the wildcards '+' and '#' and of U+0000; application and
    // device are single topic levels (no '/'); the command may have several levels
    // ("config/set"), none of them empty. The whole topic fits MQTT's 65,535 bytes.
    QString problem() const;
    bool isValid() const { return problem().isEmpty(); }

    // The UTF-8 topic name; empty when !isValid().
    QByteArray topic() const;
    QString toString() const { return QString::fromUtf8(topic()); }

    // The parts of a command topic ("command" in any case, as the gateway reads it);
    // nullopt when the topic is not a valid one.
    static std::optional<CommandTopic> parse(QByteArrayView topic);

    bool operator==(const CommandTopic &other) const
    {
        return m_application == other.m_application && m_device == other.m_device &&
               m_command == other.m_command;
    }
    bool operator!=(const CommandTopic &other) const { return !(*this == other); }

private:
    QString m_application;
    QString m_device;
    QString m_command;
};

} // namespace drover::ui
