#include "embeddedeventlog.h"

#include "consumergroup.h"
#include "embeddedconsumer.h"

#include <QPointer>

namespace drover::backend {

EmbeddedEventLog::EmbeddedEventLog(RetentionLimits limits, qint64 groupIdleMs, QObject *parent)
    : EventLog(parent)
    , m_limits(limits)
    , m_groupIdleMs(groupIdleMs)
{
    m_expiryTimer.setInterval(std::clamp<qint64>(groupIdleMs / 4, 1000, 60000));
    connect(&m_expiryTimer, &QTimer::timeout, this, [this] {
        for (auto &[name, log] : m_logs)
            log->expireIdleGroups(m_groupIdleMs);
    });
    m_expiryTimer.start();
}

EmbeddedEventLog::~EmbeddedEventLog() = default;

ApplicationLog *EmbeddedEventLog::log(const QString &application)
{
    auto it = m_logs.find(application);
    if (it == m_logs.end())
        it = m_logs.emplace(application, new ApplicationLog(application, m_limits, this)).first;
    return it->second;
}

std::unique_ptr<EventConsumer> EmbeddedEventLog::subscribe(const QString &application, const QString &groupId,
                                                           const StartPosition &start)
{
    ConsumerGroup *group = log(application)->group(groupId, start);
    quint32 tag = m_nextTag++;
    if (m_nextTag == 0xffffffffu)
        m_nextTag = 1; // 0 and ~0 mark acknowledged and released offsets
    return std::make_unique<EmbeddedConsumer>(group, tag);
}

void EmbeddedEventLog::publish(const cloudevents::CloudEvent &event, QObject *context,
                               std::function<void(const PublishResult &)> done)
{
    const QString application = QString::fromUtf8(event.application);
    if (application.isEmpty()) {
        if (done && context)
            done({PublishResult::Status::UnknownApplication, QStringLiteral("event has no application")});
        return;
    }
    // Encoded once here; every subscriber shares these bytes.
    log(application)->append(std::make_shared<const cloudevents::EncodedEvent>(event));
    if (done && context)
        done({});
}

} // namespace drover::backend
