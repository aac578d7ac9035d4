// The backend's command side: applications send commands; the sink says whether it took them.
#pragma once

#include <QByteArray>
#include <QDeadlineTimer>
#include <QObject>
#include <QString>
#include <functional>

namespace drover::backend {

struct Command {
    QString application;
    QString device;
    QString name;
    QByteArray payload;
    QByteArray contentType; // as the sender declared it; may be empty
    QString sender;         // who sent it (user or client id), for the log and auditing
    // Until when it is worth delivering: set when it is first queued, so that a command that
    // goes back to its queue (the device left before acknowledging it) keeps its deadline.
    QDeadlineTimer expiry = QDeadlineTimer(QDeadlineTimer::Forever);
};

struct CommandResult {
    enum class Status {
        Accepted,      // taken by the backend (delivered or queued for the device)
        UnknownDevice, // no such device in the application
        DeviceDisabled,
        QueueFull,   // the backend can't take more right now
        Rejected,    // the device refused the payload or name
        Unavailable, // backend not reachable, or (from a receiver) the device can't take it now
    };
    Status status = Status::Accepted;
    QString message;
    // For Rejected: the MQTT 5 reason code the device refused the command with (its
    // negative PUBACK), passed on to the sender; 0 when the device gave none.
    quint8 deviceReasonCode = 0;
    bool accepted() const { return status == Status::Accepted; }
};

class CommandSink : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Hands a command to the backend. `done` runs on the event loop once the backend
    // accepted or refused it (possibly before send returns); not at all if `context` is
    // destroyed first. A sender acknowledges success only from `done`.
    virtual void send(const Command &command, QObject *context,
                      std::function<void(const CommandResult &)> done) = 0;
};

} // namespace drover::backend
