// Saves events as JSON Lines: one CloudEvent per line in the structured JSON format.
#pragma once

#include "receivedevent.h"

#include <QList>
#include <QString>

class QAbstractItemModel;
class QIODevice;

namespace drover::ui {

// Each line is exactly what a structured-mode subscriber receives for the event
// (cloudevents::JsonFormat::serialize), so a file reads back with JsonFormat::parse or any
// CloudEvents SDK, and can be replayed. What only the console knows (receipt time, topic,
// content mode) is left out on purpose: it would make the lines something other than
// CloudEvents; the event's own `time` says when it was ingested.
class JsonLinesExporter
{
public:
    struct Result {
        qint64 written = 0; // complete lines written
        QString error;      // empty on success
        bool ok() const { return error.isEmpty(); }
    };

    // The events of every row of model, in row order: an EventModel, or a filter proxy over
    // one (its EventModel::EventRole). Events still pending in an EventModel are not rows:
    // flush() it first to include them. device must be open for writing.
    static Result write(const QAbstractItemModel &model, QIODevice *device);
    static Result write(const QList<ReceivedEvent> &events, QIODevice *device);

    // One line, '\n' included.
    static QByteArray line(const ReceivedEvent &event);
};

} // namespace drover::ui
