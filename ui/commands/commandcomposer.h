// The command composer: application, device (completed from the devices seen), command
// name, QoS and a payload editor that checks JSON as it is typed (the error's line and
// column under the editor, its position highlighted, Send disabled meanwhile); Format,
// Send (Ctrl+Return), Send again, templates, and the history of what was sent with the
// outcome of each in plain words.
//
// The composer does not talk MQTT. Send emits sendRequested() with a CommandRequest whose
// id the history gave it; whoever owns the connection publishes request.packet() and hands
// the client's answer back with showOutcome(id, outcome). CommandPublisher does exactly
// that for a client::MqttClient; tests connect a fake instead. Until the outcome comes the
// composer says it is waiting (a QoS 1/2 command waits for the device's acknowledgement).
#pragma once

#include "commandoutcome.h"
#include "commandrequest.h"
#include "jsonvalidator.h"

#include <QElapsedTimer>
#include <QSet>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QCompleter;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSettings;
class QStringListModel;
class QToolButton;
class QTreeView;

namespace drover::ui {

class CommandHistory;
class CommandTemplates;

class CommandComposer : public QWidget
{
    Q_OBJECT
public:
    // History and templates are kept in `settings` (groups commands/history and
    // commands/templates); null keeps them for this session only. settings must outlive
    // the composer.
    explicit CommandComposer(QSettings *settings = nullptr, QWidget *parent = nullptr);
    ~CommandComposer() override;

    // The request the fields describe now (id 0), valid or not.
    CommandRequest currentRequest() const;
    // Why Send is disabled, in plain words; empty when it is enabled.
    QString problem() const;
    // The live check of the payload (always ok in Text mode).
    const JsonValidator::Result &validation() const { return m_validation; }

    CommandHistory *history() const { return m_history; }
    CommandTemplates *templates() const { return m_templates; }

    // Fills the fields from a request: all of them, or with keepEmptyTarget the
    // application and device only where the request has them (templates).
    void loadRequest(const CommandRequest &request, bool keepEmptyTarget = false);

    // How outcomes are explained: 3.1.1 refuses by closing the connection.
    void setProtocolVersion(mqtt::ProtocolVersion version) { m_version = version; }
    mqtt::ProtocolVersion protocolVersion() const { return m_version; }

    QStringList knownDevices() const;

public Q_SLOTS:
    // Choices for the application field (it stays editable).
    void setApplications(const QStringList &applications);
    // The device field completes from these (devices seen in events, say), sorted
    // case-insensitively. Cheap to call with every batch: unchanged lists do nothing, and
    // additions leave an open completion popup alone.
    void setKnownDevices(const QStringList &devices);
    void addKnownDevice(const QString &device);

    // Sends what the fields say; false (and the cursor on the JSON error, if that is why)
    // when problem() is not empty.
    bool send();
    // Sends an entry of the history again, as it was; false when it is gone or lost its
    // payload. sendAgainLast() sends the newest entry.
    bool sendAgain(quint64 historyId);
    bool sendAgainLast();
    // The answer to the request with this id; ignored for unknown ids.
    void showOutcome(quint64 id, const drover::client::PublishOutcome &outcome);

    // Pretty-print (2-space indent) or compact the payload; with invalid JSON the cursor
    // goes to the error instead. Undoable.
    bool formatPayload();
    bool compactPayload();
    // Moves the editor's cursor to the JSON error and focuses the editor.
    void goToError();

    // Saves the fields as a template (replacing one of that name); false for an empty name.
    bool saveTemplate(const QString &name);
    // Fills the fields from a template; its empty application/device keep the current ones.
    bool applyTemplate(const QString &name);

Q_SIGNALS:
    // Publish request.packet() and answer with showOutcome(request.id, ...).
    void sendRequested(const drover::ui::CommandRequest &request);

private:
    void buildUi();
    void updateValidation();
    void updateState();
    void showError();
    bool dispatch(CommandRequest request);
    void showOutcomeText(const CommandOutcome &outcome);
    void updatePendingText();
    void rewritePayload(bool pretty);
    void askSaveTemplate();
    void askRenameTemplate();
    void removeCurrentTemplate();
    void historyContextMenu(const QPoint &pos);
    quint64 historyIdAt(const QModelIndex &index) const;

    CommandHistory *m_history = nullptr;
    CommandTemplates *m_templates = nullptr;

    QComboBox *m_application = nullptr;
    QLineEdit *m_device = nullptr;
    QStringListModel *m_deviceModel = nullptr;
    QCompleter *m_deviceCompleter = nullptr;
    QSet<QString> m_knownDevices; // what m_deviceModel holds, for O(1) lookups
    QLineEdit *m_command = nullptr;
    QComboBox *m_qos = nullptr;
    QComboBox *m_mode = nullptr;
    QLabel *m_topic = nullptr;
    QPlainTextEdit *m_payload = nullptr;
    QLabel *m_payloadError = nullptr;
    QPushButton *m_format = nullptr;
    QPushButton *m_compact = nullptr;
    QPushButton *m_saveTemplate = nullptr;
    QComboBox *m_templatePicker = nullptr;
    QToolButton *m_templateActions = nullptr;
    QPushButton *m_send = nullptr;
    QPushButton *m_sendAgain = nullptr;
    QProgressBar *m_busy = nullptr;
    QLabel *m_outcome = nullptr;
    QTreeView *m_historyView = nullptr;

    JsonValidator::Result m_validation;
    mqtt::ProtocolVersion m_version = mqtt::ProtocolVersion::V5;
    quint64 m_lastSentId = 0; // the outcome label follows the latest command
    CommandOutcome m_lastOutcome;
    QTimer m_pendingTimer; // ticks the "waiting" text
    QElapsedTimer m_pendingSince;
};

} // namespace drover::ui
