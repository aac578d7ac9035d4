#include "commandcomposer.h"

#include "commandhistory.h"
#include "commandtemplates.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QCompleter>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QStringListModel>
#include <QTextBlock>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace drover::ui {

namespace {

// Inserts value into a sorted string list model (case-insensitively sorted) unless present.
void insertSorted(QStringListModel *model, const QString &value)
{
    const QStringList list = model->stringList();
    const auto less = [](const QString &a, const QString &b) {
        return a.compare(b, Qt::CaseInsensitive) < 0;
    };
    const int row = int(std::lower_bound(list.begin(), list.end(), value, less) - list.begin());
    model->insertRows(row, 1);
    model->setData(model->index(row), value);
}

QString outcomeColor(CommandOutcome::Status status)
{
    switch (status) {
    case CommandOutcome::Status::Refused:
    case CommandOutcome::Status::Failed:
        return QStringLiteral("#b02020");
    case CommandOutcome::Status::Delivered:
        return QStringLiteral("#208030");
    default:
        return QString();
    }
}

} // namespace

CommandComposer::CommandComposer(QSettings *settings, QWidget *parent)
    : QWidget(parent)
    , m_history(new CommandHistory(settings, QStringLiteral("commands/history"), this))
    , m_templates(new CommandTemplates(settings, QStringLiteral("commands/templates"), this))
{
    buildUi();
    m_pendingTimer.setInterval(1000);
    connect(&m_pendingTimer, &QTimer::timeout, this, &CommandComposer::updatePendingText);
    updateValidation();
}

CommandComposer::~CommandComposer() = default;

void CommandComposer::buildUi()
{
    m_application = new QComboBox(this);
    m_application->setObjectName(QStringLiteral("application"));
    m_application->setEditable(true);
    m_application->setInsertPolicy(QComboBox::NoInsert);
    m_application->lineEdit()->setPlaceholderText(tr("application"));

    m_device = new QLineEdit(this);
    m_device->setObjectName(QStringLiteral("device"));
    m_device->setPlaceholderText(tr("device"));
    m_deviceModel = new QStringListModel(this);
    m_deviceCompleter = new QCompleter(m_deviceModel, this);
    m_deviceCompleter->setObjectName(QStringLiteral("deviceCompleter"));
    m_deviceCompleter->setCaseSensitivity(Qt::CaseInsensitive);
    m_deviceCompleter->setFilterMode(Qt::MatchContains); // "3" finds device-3
    m_deviceCompleter->setCompletionMode(QCompleter::PopupCompletion);
    m_device->setCompleter(m_deviceCompleter);

    m_command = new QLineEdit(this);
    m_command->setObjectName(QStringLiteral("commandName"));
    m_command->setPlaceholderText(tr("command, e.g. setTemperature"));

    m_qos = new QComboBox(this);
    m_qos->setObjectName(QStringLiteral("qos"));
    m_qos->addItem(tr("QoS 0: no acknowledgement"), 0);
    m_qos->addItem(tr("QoS 1: wait for the device"), 1);
    m_qos->addItem(tr("QoS 2: wait for the device, exactly once"), 2);
    m_qos->setCurrentIndex(1);

    m_mode = new QComboBox(this);
    m_mode->setObjectName(QStringLiteral("payloadMode"));
    m_mode->addItem(tr("JSON"), int(PayloadMode::Json));
    m_mode->addItem(tr("Text (not checked)"), int(PayloadMode::Text));

    m_topic = new QLabel(this);
    m_topic->setObjectName(QStringLiteral("topic"));
    m_topic->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_payload = new QPlainTextEdit(this);
    m_payload->setObjectName(QStringLiteral("payloadEditor"));
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_payload->setFont(mono);
    m_payload->setTabStopDistance(QFontMetricsF(mono).horizontalAdvance(QLatin1Char(' ')) * 2);
    m_payload->setPlaceholderText(tr("payload (JSON; may be empty)"));
    m_payload->setLineWrapMode(QPlainTextEdit::NoWrap);

    m_payloadError = new QLabel(this);
    m_payloadError->setObjectName(QStringLiteral("payloadError"));
    m_payloadError->setTextFormat(Qt::RichText);
    m_payloadError->setWordWrap(true);
    m_payloadError->setStyleSheet(QStringLiteral("color: #b02020"));
    connect(m_payloadError, &QLabel::linkActivated, this, &CommandComposer::goToError);

    m_format = new QPushButton(tr("Format"), this);
    m_format->setObjectName(QStringLiteral("formatButton"));
    m_format->setToolTip(tr("Indent the JSON payload (2 spaces)"));
    m_compact = new QPushButton(tr("Compact"), this);
    m_compact->setObjectName(QStringLiteral("compactButton"));
    m_compact->setToolTip(tr("Remove the white space between the JSON tokens"));
    m_saveTemplate = new QPushButton(tr("Save as template…"), this);
    m_saveTemplate->setObjectName(QStringLiteral("saveTemplateButton"));

    m_templatePicker = new QComboBox(this);
    m_templatePicker->setObjectName(QStringLiteral("templatePicker"));
    m_templatePicker->setModel(m_templates);
    m_templatePicker->setPlaceholderText(tr("Templates"));
    m_templatePicker->setCurrentIndex(-1);
    m_templatePicker->setMinimumContentsLength(16);
    m_templateActions = new QToolButton(this);
    m_templateActions->setObjectName(QStringLiteral("templateActions"));
    m_templateActions->setText(QStringLiteral("⋯"));
    m_templateActions->setToolTip(tr("Rename or remove the chosen template"));
    m_templateActions->setPopupMode(QToolButton::InstantPopup);
    auto *templateMenu = new QMenu(m_templateActions);
    templateMenu->addAction(tr("Rename…"), this, &CommandComposer::askRenameTemplate);
    templateMenu->addAction(tr("Remove"), this, &CommandComposer::removeCurrentTemplate);
    m_templateActions->setMenu(templateMenu);

    m_send = new QPushButton(tr("Send"), this);
    m_send->setObjectName(QStringLiteral("sendButton"));
    m_send->setDefault(true);
    m_sendAgain = new QPushButton(tr("Send again"), this);
    m_sendAgain->setObjectName(QStringLiteral("sendAgainButton"));
    m_sendAgain->setToolTip(tr("Send the last command again, as it was sent"));

    m_busy = new QProgressBar(this);
    m_busy->setObjectName(QStringLiteral("outcomeBusy"));
    m_busy->setRange(0, 0); // indeterminate: a spinner for "waiting"
    m_busy->setTextVisible(false);
    m_busy->setMaximumWidth(60);
    m_busy->setMaximumHeight(12);
    m_busy->hide();
    m_outcome = new QLabel(this);
    m_outcome->setObjectName(QStringLiteral("outcome"));
    m_outcome->setWordWrap(true);
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_historyView = new QTreeView(this);
    m_historyView->setObjectName(QStringLiteral("historyView"));
    m_historyView->setModel(m_history);
    m_historyView->setRootIsDecorated(false);
    m_historyView->setUniformRowHeights(true);
    m_historyView->setAlternatingRowColors(true);
    m_historyView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_historyView->setContextMenuPolicy(Qt::CustomContextMenu);
    m_historyView->header()->setStretchLastSection(true);
    m_historyView->setToolTip(tr("Double click: edit in the composer; right click: send again"));

    // Layout: target fields, topic, payload with its error, buttons, outcome; history below.
    auto *fields = new QFormLayout;
    auto *target = new QHBoxLayout;
    target->addWidget(m_application, 1);
    target->addWidget(m_device, 1);
    fields->addRow(tr("Application / device"), target);
    fields->addRow(tr("Command"), m_command);
    // Combo boxes size to their longest entry by default; in a narrow dock that would
    // squeeze the fields that matter.
    for (QComboBox *combo : {m_qos, m_mode, m_application}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(8);
    }
    auto *how = new QHBoxLayout;
    how->addWidget(m_qos, 2);
    how->addWidget(m_mode, 1);
    fields->addRow(tr("Delivery"), how);
    fields->addRow(tr("Topic"), m_topic);

    // Two short rows rather than one long one, so the composer fits a narrow dock.
    auto *editButtons = new QHBoxLayout;
    editButtons->addWidget(m_format);
    editButtons->addWidget(m_compact);
    editButtons->addStretch(1);
    editButtons->addWidget(m_saveTemplate);
    auto *templateRow = new QHBoxLayout;
    m_templatePicker->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_templatePicker->setMinimumContentsLength(8);
    templateRow->addWidget(m_templatePicker, 1);
    templateRow->addWidget(m_templateActions);

    auto *sendRow = new QHBoxLayout;
    sendRow->addWidget(m_busy);
    sendRow->addWidget(m_outcome, 1);
    sendRow->addWidget(m_sendAgain);
    sendRow->addWidget(m_send);

    auto *composer = new QWidget(this);
    auto *top = new QVBoxLayout(composer);
    top->setContentsMargins(0, 0, 0, 0);
    top->addLayout(fields);
    top->addWidget(m_payload, 1);
    top->addWidget(m_payloadError);
    top->addLayout(editButtons);
    top->addLayout(templateRow);
    top->addLayout(sendRow);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(composer);
    splitter->addWidget(m_historyView);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(m_application, &QComboBox::currentTextChanged, this, &CommandComposer::updateState);
    connect(m_device, &QLineEdit::textChanged, this, &CommandComposer::updateState);
    connect(m_command, &QLineEdit::textChanged, this, &CommandComposer::updateState);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &CommandComposer::updateValidation);
    connect(m_payload, &QPlainTextEdit::textChanged, this, &CommandComposer::updateValidation);
    connect(m_format, &QPushButton::clicked, this, &CommandComposer::formatPayload);
    connect(m_compact, &QPushButton::clicked, this, &CommandComposer::compactPayload);
    connect(m_send, &QPushButton::clicked, this, &CommandComposer::send);
    connect(m_sendAgain, &QPushButton::clicked, this, &CommandComposer::sendAgainLast);
    connect(m_saveTemplate, &QPushButton::clicked, this, &CommandComposer::askSaveTemplate);
    connect(m_templatePicker, &QComboBox::activated, this,
            [this](int row) { applyTemplate(m_templates->at(row).name); });
    connect(m_templates, &QAbstractItemModel::modelReset, this, &CommandComposer::updateState);
    connect(m_templates, &QAbstractItemModel::rowsRemoved, this, &CommandComposer::updateState);
    connect(m_templates, &QAbstractItemModel::rowsInserted, this, &CommandComposer::updateState);
    connect(m_history, &QAbstractItemModel::rowsInserted, this, &CommandComposer::updateState);
    connect(m_history, &QAbstractItemModel::modelReset, this, &CommandComposer::updateState);
    connect(m_historyView, &QTreeView::doubleClicked, this, [this](const QModelIndex &index) {
        // Loads rather than sends: a stray double click must not command a device.
        if (const auto entry = m_history->entry(historyIdAt(index)))
            loadRequest(entry->request);
    });
    connect(m_historyView, &QTreeView::customContextMenuRequested, this,
            &CommandComposer::historyContextMenu);

    // Ctrl+Return sends from anywhere in the composer, the payload editor included.
    for (const QKeySequence &keys :
         {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)}) {
        auto *shortcut = new QShortcut(keys, this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, &CommandComposer::send);
    }
    m_send->setToolTip(tr("Send the command (Ctrl+Return)"));
}

CommandRequest CommandComposer::currentRequest() const
{
    CommandRequest request;
    // Surrounding spaces in the names are typing accidents, not part of a topic level.
    request.application = m_application->currentText().trimmed();
    request.device = m_device->text().trimmed();
    request.command = m_command->text().trimmed();
    request.payload = m_payload->toPlainText();
    request.mode = PayloadMode(m_mode->currentData().toInt());
    request.qos = mqtt::QoS(m_qos->currentData().toInt());
    return request;
}

QString CommandComposer::problem() const
{
    const QString topicProblem = currentRequest().target().problem();
    if (!topicProblem.isEmpty())
        return topicProblem;
    if (!m_validation.ok)
        return tr("the payload is not valid JSON: %1").arg(m_validation.message);
    return {};
}

void CommandComposer::loadRequest(const CommandRequest &request, bool keepEmptyTarget)
{
    if (!keepEmptyTarget || !request.application.isEmpty())
        m_application->setCurrentText(request.application);
    if (!keepEmptyTarget || !request.device.isEmpty())
        m_device->setText(request.device);
    m_command->setText(request.command);
    m_qos->setCurrentIndex(m_qos->findData(int(request.qos)));
    m_mode->setCurrentIndex(m_mode->findData(int(request.mode)));
    m_payload->setPlainText(request.payload);
}

QStringList CommandComposer::knownDevices() const
{
    return m_deviceModel->stringList();
}

void CommandComposer::setApplications(const QStringList &applications)
{
    const QString current = m_application->currentText();
    const QSignalBlocker blocker(m_application);
    m_application->clear();
    m_application->addItems(applications);
    m_application->setCurrentText(current); // the field is the user's, the list only helps
    updateState();
}

void CommandComposer::setKnownDevices(const QStringList &devices)
{
    QSet<QString> wanted(devices.begin(), devices.end());
    wanted.remove(QString());
    if (wanted == m_knownDevices)
        return; // called for each batch of events, typically: nothing new
    if (!m_knownDevices.isEmpty() && wanted.contains(m_knownDevices)) {
        // Only additions: inserted one by one, so an open completion popup stays as it is.
        for (const QString &device : std::as_const(wanted))
            addKnownDevice(device);
        return;
    }
    QStringList sorted(wanted.begin(), wanted.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const QString &a, const QString &b) { return a.compare(b, Qt::CaseInsensitive) < 0; });
    m_deviceModel->setStringList(sorted);
    m_knownDevices = wanted;
}

void CommandComposer::addKnownDevice(const QString &device)
{
    if (device.isEmpty() || m_knownDevices.contains(device))
        return;
    m_knownDevices.insert(device);
    insertSorted(m_deviceModel, device);
}

bool CommandComposer::send()
{
    if (!problem().isEmpty()) {
        if (!m_validation.ok)
            goToError();
        return false;
    }
    return dispatch(currentRequest());
}

bool CommandComposer::sendAgain(quint64 historyId)
{
    const std::optional<CommandRequest> request = m_history->requestToSendAgain(historyId);
    if (!request || !request->target().isValid())
        return false;
    return dispatch(*request);
}

bool CommandComposer::sendAgainLast()
{
    return m_history->count() > 0 && sendAgain(m_history->at(0).request.id);
}

bool CommandComposer::dispatch(CommandRequest request)
{
    request.id = m_history->add(request);
    m_lastSentId = request.id;
    addKnownDevice(request.device);
    if (m_application->findText(request.application) < 0) {
        const QSignalBlocker blocker(m_application);
        const QString current = m_application->currentText();
        m_application->addItem(request.application);
        m_application->setCurrentText(current);
    }
    m_historyView->scrollToTop();
    showOutcomeText(m_history->entry(request.id)->outcome);
    // The receiver may answer before emit returns (showOutcome() is ready for that).
    Q_EMIT sendRequested(request);
    return true;
}

void CommandComposer::showOutcome(quint64 id, const client::PublishOutcome &outcome)
{
    const std::optional<CommandHistory::Entry> entry = m_history->entry(id);
    if (!entry || !entry->outcome.isPending())
        return;
    const CommandOutcome described = CommandOutcome::describe(outcome, entry->request.qos, m_version);
    m_history->setOutcome(id, described);
    if (id == m_lastSentId)
        showOutcomeText(described);
}

void CommandComposer::showOutcomeText(const CommandOutcome &outcome)
{
    m_lastOutcome = outcome;
    const bool pending = outcome.isPending();
    m_busy->setVisible(pending);
    if (pending) {
        m_pendingSince.start();
        m_pendingTimer.start();
    } else {
        m_pendingTimer.stop();
    }
    const QString color = outcomeColor(outcome.status());
    m_outcome->setStyleSheet(color.isEmpty() ? QString() : QStringLiteral("color: ") + color);
    m_outcome->setText(outcome.text());
    QString tip = outcome.detail();
    if (!outcome.codeText().isEmpty() && !tip.contains(outcome.codeText()))
        tip = outcome.codeText() + QStringLiteral("\n") + tip;
    m_outcome->setToolTip(tip);
}

void CommandComposer::updatePendingText()
{
    if (!m_lastOutcome.isPending())
        return m_pendingTimer.stop();
    const qint64 seconds = m_pendingSince.elapsed() / 1000;
    m_outcome->setText(seconds > 0 ? tr("%1 (%2 s)").arg(m_lastOutcome.text()).arg(seconds)
                                   : m_lastOutcome.text());
}

void CommandComposer::updateValidation()
{
    const PayloadMode mode = PayloadMode(m_mode->currentData().toInt());
    m_validation = JsonValidator::validate(m_payload->toPlainText(), mode);
    m_format->setEnabled(mode == PayloadMode::Json);
    m_compact->setEnabled(mode == PayloadMode::Json);
    showError();
    updateState();
}

void CommandComposer::showError()
{
    QList<QTextEdit::ExtraSelection> selections;
    if (m_validation.ok) {
        m_payloadError->clear();
        m_payloadError->hide();
        m_payload->setExtraSelections(selections);
        return;
    }
    m_payloadError->setText(QStringLiteral("<a href=\"#error\">line %1, column %2</a>: %3")
                                .arg(m_validation.line)
                                .arg(m_validation.column)
                                .arg(m_validation.reason.toHtmlEscaped()));
    m_payloadError->setToolTip(tr("Click the position to move the cursor there"));
    m_payloadError->show();

    // The error's line, lightly, and the character itself (the last one when the error is
    // at the end, e.g. a missing '}'), strongly: visible without moving the user's cursor.
    const QTextDocument *document = m_payload->document();
    const int length = document->characterCount() - 1; // without the final paragraph separator
    int at = std::clamp(m_validation.offset, 0, std::max(0, length));
    QTextCursor cursor(m_payload->document());
    cursor.setPosition(at);
    QTextEdit::ExtraSelection line;
    line.cursor = cursor;
    line.format.setBackground(QColor(0xff, 0xee, 0xee));
    line.format.setProperty(QTextFormat::FullWidthSelection, true);
    selections.append(line);
    if (at >= length || cursor.block().length() - 1 == cursor.positionInBlock())
        at = std::max(0, at - 1); // at the end of a line: mark the character before
    cursor.setPosition(at);
    cursor.movePosition(QTextCursor::NextCharacter, QTextCursor::KeepAnchor); // a surrogate pair is one step
    QTextEdit::ExtraSelection mark;
    mark.cursor = cursor;
    mark.format.setBackground(QColor(0xff, 0xb0, 0xb0));
    mark.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
    mark.format.setUnderlineColor(Qt::red);
    selections.append(mark);
    m_payload->setExtraSelections(selections);
}

void CommandComposer::updateState()
{
    const CommandRequest request = currentRequest();
    const QString topicProblem = request.target().problem();
    if (topicProblem.isEmpty()) {
        m_topic->setText(request.target().toString());
        m_topic->setStyleSheet(QString());
    } else {
        const bool untouched =
            request.application.isEmpty() && request.device.isEmpty() && request.command.isEmpty();
        m_topic->setText(untouched ? tr("command/<application>/<device>/<command>") : topicProblem);
        m_topic->setStyleSheet(untouched ? QStringLiteral("color: gray") : QStringLiteral("color: #b02020"));
    }
    const QString why = problem();
    m_send->setEnabled(why.isEmpty());
    m_send->setToolTip(why.isEmpty() ? tr("Send the command (Ctrl+Return)") : tr("Can't send: %1").arg(why));
    m_sendAgain->setEnabled(m_history->count() > 0 && !m_history->at(0).payloadDropped);
    const bool templateChosen = m_templatePicker->currentIndex() >= 0;
    m_templateActions->setEnabled(templateChosen);
}

void CommandComposer::goToError()
{
    if (m_validation.ok)
        return;
    QTextCursor cursor = m_payload->textCursor();
    cursor.setPosition(std::clamp(m_validation.offset, 0, m_payload->document()->characterCount() - 1));
    m_payload->setTextCursor(cursor);
    m_payload->ensureCursorVisible();
    m_payload->setFocus(Qt::OtherFocusReason);
}

bool CommandComposer::formatPayload()
{
    if (PayloadMode(m_mode->currentData().toInt()) != PayloadMode::Json)
        return false;
    const std::optional<QString> formatted = JsonValidator::format(m_payload->toPlainText());
    if (!formatted) {
        goToError();
        return false;
    }
    QTextCursor cursor(m_payload->document()); // an edit, not setPlainText(): undo keeps working
    cursor.select(QTextCursor::Document);
    cursor.insertText(*formatted);
    return true;
}

bool CommandComposer::compactPayload()
{
    if (PayloadMode(m_mode->currentData().toInt()) != PayloadMode::Json)
        return false;
    const std::optional<QString> compacted = JsonValidator::compact(m_payload->toPlainText());
    if (!compacted) {
        goToError();
        return false;
    }
    QTextCursor cursor(m_payload->document());
    cursor.select(QTextCursor::Document);
    cursor.insertText(*compacted);
    return true;
}

bool CommandComposer::saveTemplate(const QString &name)
{
    if (!m_templates->save(name.trimmed(), currentRequest()))
        return false;
    m_templatePicker->setCurrentIndex(m_templates->indexOf(name.trimmed()));
    updateState();
    return true;
}

bool CommandComposer::applyTemplate(const QString &name)
{
    const std::optional<CommandTemplates::Template> found = m_templates->find(name);
    if (!found)
        return false;
    loadRequest(found->request, true);
    m_templatePicker->setCurrentIndex(m_templates->indexOf(name));
    updateState();
    return true;
}

void CommandComposer::askSaveTemplate()
{
    const QString current =
        m_templatePicker->currentIndex() >= 0 ? m_templatePicker->currentText() : QString();
    bool ok = false;
    const QString name =
        QInputDialog::getText(this, tr("Save as template"), tr("Template name:"), QLineEdit::Normal,
                              current.isEmpty() ? m_command->text().trimmed() : current, &ok)
            .trimmed();
    if (!ok || name.isEmpty())
        return;
    if (m_templates->contains(name) &&
        QMessageBox::question(this, tr("Replace template"), tr("Replace the template '%1'?").arg(name)) !=
            QMessageBox::Yes)
        return;
    saveTemplate(name);
}

void CommandComposer::askRenameTemplate()
{
    if (m_templatePicker->currentIndex() < 0)
        return;
    const QString from = m_templates->at(m_templatePicker->currentIndex()).name;
    bool ok = false;
    const QString to =
        QInputDialog::getText(this, tr("Rename template"), tr("New name:"), QLineEdit::Normal, from, &ok)
            .trimmed();
    if (!ok || to.isEmpty() || to == from)
        return;
    if (!m_templates->rename(from, to)) {
        QMessageBox::information(this, tr("Rename template"),
                                 tr("There is a template called '%1' already.").arg(to));
        return;
    }
    m_templatePicker->setCurrentIndex(m_templates->indexOf(to));
}

void CommandComposer::removeCurrentTemplate()
{
    if (m_templatePicker->currentIndex() < 0)
        return;
    m_templates->remove(m_templates->at(m_templatePicker->currentIndex()).name);
    m_templatePicker->setCurrentIndex(-1);
    updateState();
}

quint64 CommandComposer::historyIdAt(const QModelIndex &index) const
{
    return index.isValid() ? index.data(CommandHistory::IdRole).toULongLong() : 0;
}

void CommandComposer::historyContextMenu(const QPoint &pos)
{
    const quint64 id = historyIdAt(m_historyView->indexAt(pos));
    QMenu menu(this);
    if (id != 0) {
        QAction *again = menu.addAction(tr("Send again"), this, [this, id] { sendAgain(id); });
        again->setEnabled(m_history->requestToSendAgain(id).has_value());
        menu.addAction(tr("Edit in the composer"), this, [this, id] {
            if (const auto entry = m_history->entry(id))
                loadRequest(entry->request);
        });
        menu.addAction(tr("Copy the payload"), this, [this, id] {
            if (const auto entry = m_history->entry(id))
                QApplication::clipboard()->setText(entry->request.payload);
        });
        menu.addSeparator();
    }
    QAction *clear = menu.addAction(tr("Clear the history"), m_history, &CommandHistory::clear);
    clear->setEnabled(m_history->count() > 0);
    menu.exec(m_historyView->viewport()->mapToGlobal(pos));
}

} // namespace drover::ui
