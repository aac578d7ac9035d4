// The embedded backend's event log: one ApplicationLog per application, in process.
// The default for labs, demos and single machines; Kafka takes over for scale-out.
#pragma once

#include "applicationlog.h"
#include "eventlog.h"

#include <QTimer>
#include <map>

namespace drover::backend {

class EmbeddedEventLog : public EventLog
{
    Q_OBJECT
public:
    explicit EmbeddedEventLog(RetentionLimits limits, qint64 groupIdleMs = 24 * 3600 * 1000,
                              QObject *parent = nullptr);
    ~EmbeddedEventLog() override;

    std::unique_ptr<EventConsumer> subscribe(const QString &application, const QString &groupId,
                                             const StartPosition &start) override;
    void publish(const cloudevents::CloudEvent &event, QObject *context,
                 std::function<void(const PublishResult &)> done) override;

    // The log of `application`, created on first use.
    ApplicationLog *log(const QString &application);

private:
    RetentionLimits m_limits;
    qint64 m_groupIdleMs;
    std::map<QString, ApplicationLog *> m_logs; // children of this
    quint32 m_nextTag = 1;
    QTimer m_expiryTimer;
};

} // namespace drover::backend
