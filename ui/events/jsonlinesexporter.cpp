#include "jsonlinesexporter.h"

#include "cloudevents/jsonformat.h"
#include "eventmodel.h"

#include <QAbstractItemModel>
#include <QIODevice>

namespace drover::ui {

namespace {

// Lines are written in chunks of about this many bytes: few write calls, bounded memory.
constexpr qsizetype ChunkBytes = 256 * 1024;

// Collects lines and writes them a chunk at a time; counts only lines that reached device.
class ChunkWriter
{
public:
    explicit ChunkWriter(QIODevice *device)
        : m_device(device)
    {}

    bool begin()
    {
        if (!m_device || !m_device->isWritable()) {
            m_result.error =
                m_device ? QStringLiteral("device not open for writing: %1").arg(m_device->errorString())
                         : QStringLiteral("no device");
            return false;
        }
        return true;
    }

    bool add(const ReceivedEvent &event)
    {
        m_chunk.append(JsonLinesExporter::line(event));
        ++m_chunkLines;
        return m_chunk.size() < ChunkBytes || writeChunk();
    }

    // Stops the export; what was collected but not written is not counted.
    void fail(const QString &error) { m_result.error = error; }

    JsonLinesExporter::Result finish()
    {
        if (m_result.ok())
            writeChunk();
        return m_result;
    }

private:
    bool writeChunk()
    {
        if (m_chunk.isEmpty())
            return true;
        const qint64 n = m_device->write(m_chunk);
        if (n != m_chunk.size()) {
            m_result.error = m_device->errorString();
            if (m_result.error.isEmpty() || m_result.error == QLatin1String("Unknown error"))
                m_result.error = QStringLiteral("short write (%1 of %2 bytes)").arg(n).arg(m_chunk.size());
            return false;
        }
        m_result.written += m_chunkLines;
        m_chunk.clear();
        m_chunkLines = 0;
        return true;
    }

    QIODevice *m_device;
    QByteArray m_chunk;
    qint64 m_chunkLines = 0;
    JsonLinesExporter::Result m_result;
};

} // namespace

JsonLinesExporter::Result JsonLinesExporter::write(const QAbstractItemModel &model, QIODevice *device)
{
    ChunkWriter writer(device);
    if (!writer.begin())
        return writer.finish();
    const int rows = model.rowCount();
    for (int row = 0; row < rows; ++row) {
        const QVariant value = model.index(row, 0).data(EventModel::EventRole);
        if (!value.canConvert<ReceivedEvent>()) { // not a model of events: say so, skip nothing quietly
            writer.fail(QStringLiteral("row %1 holds no event").arg(row));
            break;
        }
        if (!writer.add(value.value<ReceivedEvent>()))
            break;
    }
    return writer.finish();
}

JsonLinesExporter::Result JsonLinesExporter::write(const QList<ReceivedEvent> &events, QIODevice *device)
{
    ChunkWriter writer(device);
    if (!writer.begin())
        return writer.finish();
    for (const ReceivedEvent &event : events) {
        if (!writer.add(event))
            break;
    }
    return writer.finish();
}

QByteArray JsonLinesExporter::line(const ReceivedEvent &event)
{
    return cloudevents::JsonFormat::serialize(event.event) + '\n';
}

} // namespace drover::ui
