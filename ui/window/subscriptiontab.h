// One subscription of the console as a tab: its live event table (filters, pause, clear,
// export, what the bound dropped), the selected event in full, a board of its devices and
// a plot. Fed with the events the connection routes to it.
#pragma once

#include "eventsubscription.h"

#include "events/receivedevent.h"

#include <QSet>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTabWidget;
class QToolButton;

namespace drover::ui {

class DeviceBoardModel;
class EventDetailPane;
class EventFilterProxy;
class EventModel;
class PlotWidget;

class SubscriptionTab : public QWidget
{
    Q_OBJECT
public:
    SubscriptionTab(int id, EventSubscription subscription, QWidget *parent = nullptr);
    ~SubscriptionTab() override;

    int id() const { return m_id; }
    const EventSubscription &subscription() const { return m_subscription; }
    EventModel *events() const { return m_events; }
    EventFilterProxy *filter() const { return m_filter; }
    DeviceBoardModel *devices() const { return m_board; }
    PlotWidget *plot() const { return m_plot; }
    QTableView *table() const { return m_table; }

    // Writes the rows shown (the filter applies) as JSON Lines; the number written, or -1
    // with `error`.
    qint64 exportTo(const QString &path, QString *error);
    QString countersText() const;

public Q_SLOTS:
    void addEvents(const QList<drover::ui::ReceivedEvent> &events);
    void setRefused(const QString &reason);
    void togglePause();
    void clear();
    void focusFilter();
    void exportInteractively();

Q_SIGNALS:
    // Devices seen in this subscription's events (for the composer's completion).
    void devicesSeen(const QStringList &devices);
    void countersChanged();

private:
    void updateCounters();
    void updateViewModel();
    void connectSelection();
    void onBatch(const QList<ReceivedEvent> &events);
    QWidget *buildEventsPage();

    int m_id;
    EventSubscription m_subscription;
    EventModel *m_events;
    EventFilterProxy *m_filter;
    DeviceBoardModel *m_board;
    QTabWidget *m_pages = nullptr;
    QTableView *m_table = nullptr;
    EventDetailPane *m_detail = nullptr;
    PlotWidget *m_plot = nullptr;
    QComboBox *m_deviceFilter = nullptr;
    QComboBox *m_channelFilter = nullptr;
    QLineEdit *m_textFilter = nullptr;
    QToolButton *m_pauseButton = nullptr;
    QLabel *m_counters = nullptr;
    QLabel *m_problem = nullptr;
    QSet<QString> m_devicesSeen;
    QSet<QString> m_channelsSeen;
};

} // namespace drover::ui
