// The backend's event side: an append-only log per application with Kafka's consumer-group
// semantics. The embedded log implements it in-process; a Kafka log will implement it with
// librdkafka. Sessions depend on these interfaces only.
#pragma once

#include "cloudevents/mqttbinding.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>
#include <functional>
#include <memory>

namespace drover::backend {

using cloudevents::EventPtr;

// Where a consumer group that has no committed position begins.
struct StartPosition {
    enum class Kind {
        Latest,
        Earliest,
        Time
    };
    Kind kind = Kind::Latest;
    QDateTime time; // for Kind::Time: the first event at or after this time
};

// One event handed to a consumer, with the position to acknowledge.
struct Delivery {
    EventPtr event;
    quint64 offset = 0;
    qint32 partition = 0;
};

// A member of a consumer group. Delivery is pulled: the owner calls poll() only while it
// has room, so a slow reader falls behind in the log and holds no more than it asked for.
class EventConsumer : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Appends up to `max` events that are ready now to `out` and returns how many. Never
    // blocks. After a poll that returns 0, eventsAvailable() is emitted once more events
    // are ready.
    virtual int poll(QList<Delivery> &out, int max) = 0;
    // The delivery reached the subscriber (QoS 0: written; QoS 1: PUBACK received). The
    // group's committed position may move past it.
    virtual void acknowledge(const Delivery &delivery) = 0;
    // The delivery did not reach the subscriber (connection lost). The group hands it out
    // again: to another member of a shared group, or on the next poll.
    virtual void release(const Delivery &delivery) = 0;

    virtual QString groupId() const = 0;

Q_SIGNALS:
    void eventsAvailable();
    // Events expired from the log (retention) before this group read them.
    void eventsLost(quint64 count);
};

struct PublishResult {
    enum class Status {
        Accepted,
        UnknownApplication,
        Full,
        Unavailable
    };
    Status status = Status::Accepted;
    QString message; // why, for a refusal: goes to the log and the v5 reason string
    bool accepted() const { return status == Status::Accepted; }
};

class EventLog : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Joins consumer group `groupId` of `application` (creating the group at `start` if it
    // has no committed position). The consumer leaves the group when destroyed; deliveries
    // it still holds are released.
    virtual std::unique_ptr<EventConsumer> subscribe(const QString &application, const QString &groupId,
                                                     const StartPosition &start) = 0;

    // Appends an event to its application's log. `done` runs on the event loop when the
    // backend accepted or refused it (possibly before publish returns); not at all if
    // `context` is destroyed first.
    virtual void publish(const cloudevents::CloudEvent &event, QObject *context,
                         std::function<void(const PublishResult &)> done) = 0;
};

} // namespace drover::backend
