// The texts the console shows for one received event: table cells, the detail pane, the
// filter's haystack. Pure functions of a ReceivedEvent, so views, models and tests agree.
#pragma once

#include "receivedevent.h"

#include <QList>
#include <QString>
#include <utility>

namespace drover::ui {

class EventFormatter
{
public:
    // How data is shown. Decided by the bytes, not by datacontenttype: devices mislabel, and
    // JSON sent as text/plain is still best read indented.
    enum class DataKind {
        Empty,
        Json,   // one JSON value (RFC 8259)
        Text,   // valid UTF-8 without control characters other than tab, LF and CR
        Binary, // anything else
    };
    static DataKind dataKind(QByteArrayView data);

    static constexpr qsizetype PreviewLength = 120;

    // Table cells.
    // Event time (received time if the event has none), local, with milliseconds.
    static QString timeText(const ReceivedEvent &event);
    // "event", "connection", or the type itself when it is neither of Drogue's.
    static QString typeText(const ReceivedEvent &event);
    // Bytes as 118 B / 1.5 KiB / 2.0 MiB / 1.0 GiB.
    static QString sizeText(qint64 bytes);
    // One line of at most maxChars characters (ending in "…" when cut): compact JSON, text
    // with line breaks and tabs as spaces, or "<n bytes binary>".
    static QString preview(const ReceivedEvent &event, qsizetype maxChars = PreviewLength);

    // Detail pane.
    // Indented JSON (2 spaces, member order and number text as sent), the text itself, or a
    // hex dump; empty for no data.
    static QString dataText(const ReceivedEvent &event);
    // json must be one valid JSON value; re-indents it token by token, unlike QJsonDocument
    // which sorts members and re-formats numbers.
    static QString prettyJson(QByteArrayView json);
    // xxd's layout: "00000010: 1011 1213 ... 1e1f  ................", 16 bytes a line, the
    // last line padded so the ASCII column lines up, every line ending in '\n'.
    static QString hexDump(QByteArrayView bytes);
    // Every attribute as (name, value): the CloudEvents ones in CloudEvent::attributes()
    // order with datacontenttype after them, then what the console knows of the message:
    // "topic", "size", "content mode" (structured/binary), "received" (local, ISO 8601).
    static QList<std::pair<QString, QString>> attributes(const ReceivedEvent &event);

    // What the free-text filter searches, case-folded: device, channel (subject), type and
    // the data as text (compact JSON or UTF-8 text; nothing for binary data), one per line.
    static QString searchText(const ReceivedEvent &event);
};

} // namespace drover::ui
