// The selected event in full: its data (pretty JSON, text or a hex dump, as it is) and
// every attribute.
#pragma once

#include "events/receivedevent.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTableWidget;

namespace drover::ui {

class EventDetailPane : public QWidget
{
    Q_OBJECT
public:
    explicit EventDetailPane(QWidget *parent = nullptr);

    void showEvent(const ReceivedEvent &event);
    void showNothing();
    QString dataText() const;

private:
    QLabel *m_title;
    QPlainTextEdit *m_data;
    QTableWidget *m_attributes;
};

} // namespace drover::ui
