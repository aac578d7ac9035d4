#include "gatedtcpsocket.h"

#include <QMetaMethod>

namespace drover::transport {

qint64 GatedTcpSocket::bytesAvailable() const
{
    return m_held ? 0 : QTcpSocket::bytesAvailable();
}

void GatedTcpSocket::setHeld(bool held)
{
    m_held = held;
    if (held || m_readyReadPending || QTcpSocket::bytesAvailable() == 0)
        return;
    m_readyReadPending = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_readyReadPending = false;
            if (m_held || QTcpSocket::bytesAvailable() == 0)
                return;
            Q_EMIT readyRead();
            // A full read buffer turned the socket's read notifications off, and Qt turns
            // them on again only once a reader empties the buffer; QWebSocket leaves an
            // incomplete frame in it. A read of 0 bytes turns them on.
            QTcpSocket::readData(nullptr, 0);
        },
        Qt::QueuedConnection);
}

void GatedTcpSocket::connectNotify(const QMetaMethod &signal)
{
    if (m_holdWhenUpgraded && signal == QMetaMethod::fromSignal(&QIODevice::readyRead)) {
        m_holdWhenUpgraded = false;
        m_held = true;
    }
    QTcpSocket::connectNotify(signal);
}

} // namespace drover::transport
