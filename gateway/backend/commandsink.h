// The backend's command side: applications send commands; the sink says whether it took them.
#pragma once

#include <QByteArray>
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
};

struct CommandResult {
    enum class Status {
        Accepted,      // taken by the backend (delivered or queued for the device)
        UnknownDevice, // no such device in the application
        DeviceDisabled,
        QueueFull,   // the backend can't take more right now
        Rejected,    // the payload or name was refused
        Unavailable, // backend not reachable
    };
    Status status = Status::Accepted;
    QString message;
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
