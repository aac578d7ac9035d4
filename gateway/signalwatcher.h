// Turns SIGINT, SIGTERM and SIGHUP into Qt signals on the event loop (self-pipe), so
// shutdown and reload run as ordinary slots and never inside a signal handler.
#pragma once

#include <QObject>

class QSocketNotifier;

namespace drover {

class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

Q_SIGNALS:
    void terminate(int signalNumber); // SIGINT or SIGTERM
    void reload();                    // SIGHUP

private:
    void readSignals();

    QSocketNotifier *m_notifier = nullptr;
};

} // namespace drover
