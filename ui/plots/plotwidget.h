// Live line charts of a numeric field of the events' data: one line per device (Qt
// Charts), a field picker filled with the numeric paths seen, a time window picker.
//
// Events go into a PlotModel as they come; the chart is redrawn from a timer, at most
// once per refresh interval (200 ms by default), with one QLineSeries::replace() per series
// that changed, never an append per point, so thousands of events a second cost the UI a
// few redraws. Paused, the chart stands still while the model goes on collecting.
#pragma once

#include "plotmodel.h"

#include "events/receivedevent.h"

#include <QHash>
#include <QList>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QChart;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace drover::ui {

class PlotWidget : public QWidget
{
    Q_OBJECT
public:
    explicit PlotWidget(QWidget *parent = nullptr);
    ~PlotWidget() override;

    const PlotModel &model() const { return m_model; }
    QString field() const { return m_model.field().toString(); }
    qint64 window() const { return m_model.window(); }
    bool isPaused() const { return m_paused; }

    QChart *chart() const { return m_chart; }
    // The chart's lines, in the order the devices first had a value.
    QList<QLineSeries *> lineSeries() const { return m_lines; }
    QLineSeries *lineSeries(const QString &device) const;

    int refreshInterval() const { return m_refreshTimer.interval(); }
    void setRefreshInterval(int ms);
    // Diagnostics (and tests of the throttling): redraws done, replace() calls made.
    int refreshCount() const { return m_refreshCount; }
    int seriesUpdateCount() const { return m_seriesUpdates; }

    // Time windows offered by the picker, in ms.
    static QList<qint64> windowChoices();

public Q_SLOTS:
    void addEvents(const QList<drover::ui::ReceivedEvent> &events);
    // Plots another field (starting over); the picker shows it.
    void setField(const QString &path);
    void setWindow(qint64 windowMs);
    void setPaused(bool paused);
    // Redraws now, whatever the throttle says (the timer calls it).
    void refresh();

Q_SIGNALS:
    void fieldChanged(const QString &path);

protected:
    // Follows the system's light or dark palette.
    void changeEvent(QEvent *event) override;

private:
    void applyPalette();
    void buildUi();
    void scheduleRefresh();
    void updatePaths();
    void removeLines();
    void commitFieldText();

    PlotModel m_model;
    int m_baseRefreshMs = 200; // setRefreshInterval(); more points stretch it
    QComboBox *m_fieldPicker = nullptr;
    QComboBox *m_windowPicker = nullptr;
    QLabel *m_status = nullptr;
    QChartView *m_view = nullptr;
    QChart *m_chart = nullptr;
    QDateTimeAxis *m_timeAxis = nullptr;
    QValueAxis *m_valueAxis = nullptr;
    QList<QLineSeries *> m_lines;    // index = model series index
    QList<quint64> m_drawnRevisions; // buffer revision each line shows
    QTimer m_refreshTimer;           // single shot: the next redraw after new data
    QTimer m_slideTimer;             // slides the time axis while nothing new comes
    quint64 m_shownPathsRevision = 0;
    bool m_paused = false;
    bool m_fieldChosen = false; // by the user: no automatic choice then
    int m_refreshCount = 0;
    int m_seriesUpdates = 0;
};

} // namespace drover::ui
