import Foundation
import GridflowExpressions

/// Where cases live. One step is one transaction: the case row (checked against the version the
/// step was computed from), its history entry, its timers and its outbox entries commit together
/// or not at all. The SQLite store implements it; a PostgreSQL one shared by several daemons will.
public protocol CaseStore: Sendable {
    /// A new case id for a workflow of a unit, unique in the store.
    func newCaseID(unit: String, workflow: String) throws(StoreError) -> String
    /// Commits a step. `expectedVersion` is `nil` for a new case; otherwise the stored case must
    /// still be at that version, or the commit fails with `conflict`.
    func commit(_ step: Step, expectedVersion: Int?) throws(StoreError)
    /// Commits several steps (of different cases) in one transaction, each as
    /// `commit(_:expectedVersion:)` does: one that conflicts (its case moved on) is left out
    /// alone and its error given at its index (`nil`: committed); any other failure commits
    /// none of them and is thrown.
    func commit(_ steps: [StepCommit]) throws(StoreError) -> [StoreError?]
    /// Commits a step like `commit(_:expectedVersion:)`, suspending instead of blocking a thread
    /// while the step waits for its shared transaction: what async callers (the daemon) use.
    func commitAsync(_ step: Step, expectedVersion: Int?) async throws(StoreError)
    /// The stored case, or `nil`.
    func load(_ id: String) throws(StoreError) -> StoredCase?
    /// `load(_:)`, suspending instead of blocking a thread while the store answers: what the
    /// daemon's requests use.
    func loadAsync(_ id: String) async throws(StoreError) -> StoredCase?
    /// The case's history, oldest first.
    func history(_ id: String) throws(StoreError) -> [StoredHistory]
    /// Where a unit's cases are, without counting them: the definitions versions they run on, and
    /// the workflows and states they are in, each distinct, sorted. Reads a few rows however many
    /// cases there are (an inbox asks it on every request).
    func casePlaces(unit: String) throws(StoreError) -> (
        versions: [String], places: [(workflow: String, state: String)]
    )
    /// A page of a unit's cases (of every unit's with `nil`), newest first (in the order they were
    /// stored), filtered by workflow and state: at most `limit`, those before the cursor a
    /// previous page gave; and the cursor of the next page, if any.
    func cases(unit: String?, workflow: String?, state: String?, before cursor: Int64?, limit: Int)
        throws(StoreError) -> (cases: [StoredCase], next: Int64?)
    /// Cases, newest first, filtered by unit, workflow and state.
    func list(unit: String?, workflow: String?, state: String?) throws(StoreError) -> [StoredCase]
    /// Records an incident on a case, with the event and who sent it so it can be retried; the
    /// case itself is unchanged.
    func record(_ incident: Incident, caseID: String, event: String, input: [String: Value], actor: Actor, at: Instant)
        throws(StoreError)
    /// Records an incident like `record(_:caseID:event:input:actor:at:)`, suspending instead of
    /// blocking a thread.
    func recordAsync(
        _ incident: Incident, caseID: String, event: String, input: [String: Value], actor: Actor, at: Instant
    ) async throws(StoreError)
    /// Commits the step a retried incident produced and marks the incident resolved, together.
    func commit(_ step: Step, expectedVersion: Int, resolving incident: Int) throws(StoreError)
    /// The incident with `id`, resolved or not.
    func incident(_ id: Int) throws(StoreError) -> StoredIncident?
    /// Open incidents, of one case or all.
    func incidents(caseID: String?) throws(StoreError) -> [StoredIncident]
    /// A page of open incidents, of one case or all, oldest first: at most `limit`, those after
    /// the cursor a previous page gave; and the cursor of the next page, if any.
    func incidents(caseID: String?, after cursor: Int?, limit: Int) throws(StoreError)
        -> (incidents: [StoredIncident], next: Int?)

    /// Timers of a unit's cases due at or before `now`, earliest first.
    func dueTimers(unit: String, at now: Instant, limit: Int) throws(StoreError) -> [StoredTimer]
    /// When the unit's earliest timer is due; `nil` when it has none.
    func nextTimerDue(unit: String) throws(StoreError) -> Instant?
    /// Removes a timer that could not fire (its failure is recorded as an incident).
    func deleteTimer(_ id: Int) throws(StoreError)
    /// Effects of a unit's cases not yet performed, oldest first.
    func pendingEffects(unit: String, limit: Int) throws(StoreError) -> [StoredEffect]
    /// Calls `wake` whenever any process adds timers, effects or webhook deliveries to the store,
    /// until the returned task is cancelled: a scheduler sleeping until its next timer then sees
    /// work another process added at once. `nil` when the store cannot tell (then schedulers poll).
    func watchForWork(_ wake: @escaping @Sendable () -> Void) -> Task<Void, Never>?
    /// Claims at most `limit` of the unit's timers due at `now` for `claim`'s claimant until its
    /// lease runs out, earliest first, skipping those another claimant holds under a lease that
    /// has not: several processes ticking one store each fire a timer once, and a timer whose
    /// claimant died is taken over once its lease has run out.
    func claimDueTimers(unit: String, at now: Instant, limit: Int, claim: Claim) throws(StoreError) -> [StoredTimer]
    /// Claims at most `limit` of the unit's effects not yet performed, oldest first, as
    /// `claimDueTimers` claims timers.
    func claimPendingEffects(unit: String, at now: Instant, limit: Int, claim: Claim) throws(StoreError)
        -> [StoredEffect]
    /// Claims at most `limit` webhook deliveries due at `now`, as `dueWebhookDeliveries` lists them:
    /// each is put off until the claim runs out, so another daemon's worker skips it meanwhile and
    /// tries it once the claim has run out if its claimant never recorded an attempt.
    func claimDueWebhookDeliveries(at now: Instant, limit: Int, claim: Claim) throws(StoreError) -> [WebhookDelivery]
    /// Performs an outbox entry exactly once, in one transaction: commits `step` (the case an
    /// effect opens or signals) if there is one, records `delivery` if there is one, and marks
    /// the entry done. Fails with `conflict` if the entry was done already.
    func complete(_ effect: StoredEffect, step: Step?, expectedVersion: Int?, delivery: Delivery?) throws(StoreError)
    /// Performs outbox entries as `complete(_:step:expectedVersion:delivery:)` does, all in one
    /// transaction: one that conflicts (done already, or its step's case moved on) is left out
    /// alone and its error given at its index (`nil`: performed); any other failure performs
    /// none of them and is thrown.
    func complete(_ completions: [EffectCompletion]) throws(StoreError) -> [StoreError?]

    /// The person `id` of a unit's directory, or `nil`.
    func person(unit: String, id: String) throws(StoreError) -> StoredPerson?
    /// A unit's directory, by id.
    func people(unit: String) throws(StoreError) -> [StoredPerson]
    /// A number that changes whenever the unit's directory or its appointments change (an
    /// import, an appointment made or ended): what was read of them holds while it stays.
    func directoryRevision(unit: String) throws(StoreError) -> Int
    /// What the actor of one person stands on in the store: it changes when the unit's people
    /// are imported and when a case appoints the person or ends an appointment of theirs, and
    /// stays when others are appointed (unlike `directoryRevision`).
    func directoryStamp(unit: String, person: String) throws(StoreError) -> DirectoryStamp
    /// Whether a unit's directory has anyone.
    func hasPeople(unit: String) throws(StoreError) -> Bool
    /// Adds or updates people in a unit's directory, all in one transaction; with `replacing`,
    /// the people not in `people` are removed.
    func importPeople(unit: String, _ people: [StoredPerson], replacing: Bool) throws(StoreError)

    /// Appointments made in a unit (by cases' `appoint` effects and appraisal consequences),
    /// oldest first; of one person when `person` is given. Ended ones are listed too, with
    /// their `end` (an `end_appointment` effect or consequence ends the person's appointments to
    /// the role made before it, at its node when it names one).
    func appointments(unit: String, person: String?) throws(StoreError) -> [StoredAppointment]
    /// The people of a unit's directory whose entry lists `role`, by id.
    func people(unit: String, holding role: String) throws(StoreError) -> [StoredPerson]
    /// The appointments to `role` made in a unit, as `appointments(unit:person:)` reads them
    /// (an entry that cannot be read is still an error, whatever role it was for).
    func appointments(unit: String, role: String) throws(StoreError) -> [StoredAppointment]

    /// When each case of a unit's workflow opened in `[from, to)` first entered each state.
    func firstEntries(unit: String, workflow: String, openedFrom from: Instant, to: Instant) throws(StoreError)
        -> [String: [String: Instant]]

    /// Cases of a unit's workflow opened in `[from, to)`, oldest first.
    func cases(unit: String, workflow: String, openedFrom from: Instant, to: Instant) throws(StoreError) -> [StoredCase]
    /// The stored results of an appraisal period, by person and role.
    func appraisalResults(unit: String, appraisal: String, period: String) throws(StoreError) -> [StoredAppraisal]
    /// The consequences of an appraisal period performed so far.
    func appraisalConsequences(unit: String, appraisal: String, period: String) throws(StoreError)
        -> [StoredConsequence]

    // MARK: Appraisal in batches (see `Engine.appraise`)
    /// How many people a unit's directory has.
    func peopleCount(unit: String) throws(StoreError) -> Int
    /// A page of a unit's directory in id order: at most `limit` people with ids after `cursor`.
    func people(unit: String, after cursor: String?, limit: Int) throws(StoreError) -> [StoredPerson]
    /// A page of the cases of a unit's workflow opened in `[from, to)`: at most `limit`, those
    /// after the cursor a previous page gave, and the cursor of the next page, if any.
    ///
    /// `condition` may narrow the page to cases it holds for, where the store can check it
    /// on fields that are current (a case whose stored fields may lag behind its steps must be
    /// returned whatever the condition); the caller checks its filter on every case it gets.
    func cases(
        unit: String, workflow: String, openedFrom from: Instant, to: Instant, after cursor: CaseCursor?, limit: Int,
        where condition: CaseCondition?
    ) throws(StoreError) -> (cases: [StoredCase], next: CaseCursor?)
    /// Per query, per person, the amount the cases of a unit's workflow opened in `[from, to)`
    /// add up to (`CaseCounts`: a row of sums per person), counted by the store itself from the cases whose stored fields are current;
    /// and the cases it did not count (those whose fields it keeps as a snapshot that lags
    /// behind their steps), for the caller to count case by case. `nil` when it cannot count
    /// at all (then the caller counts every case).
    func countCases(unit: String, workflow: String, openedFrom from: Instant, to: Instant, _ queries: [CaseCountQuery])
        throws(StoreError) -> (counts: CaseCounts, uncounted: [StoredCase])?
    /// In one transaction: replaces the period's results for `roles` of the people in the id
    /// range `people` with `results` (someone in the range no longer appraised in a role loses
    /// the old result), and performs `consequences` not performed before, committing the step
    /// of a case a consequence opens; a consequence performed meanwhile is skipped, not
    /// repeated. A run saves its batches in id order, so the ranges cover every id.
    func saveAppraisalBatch(
        unit: String, appraisal: String, period: String, roles: [String], people: AppraisalBatchRange,
        results: [StoredAppraisal], consequences: [(consequence: StoredConsequence, step: Step?)], at: Instant
    ) throws(StoreError)

    /// A unit's deployments, oldest first.
    func deployments(unit: String) throws(StoreError) -> [StoredDeployment]
    /// The deployment of a unit with `version`, or `nil`.
    func deployment(unit: String, version: String) throws(StoreError) -> StoredDeployment?
    /// Where the deployment `version` of a unit stands, in one read and without the deployments'
    /// files: what a case's document says of the definitions it runs on.
    func standing(unit: String, version: String) throws(StoreError) -> DeploymentStanding
    /// The units that have an active deployment, by name.
    func deployedUnits() throws(StoreError) -> [String]
    /// The version new cases of a unit open on, or `nil` before its first deployment.
    func activeDeployment(unit: String) throws(StoreError) -> String?
    /// In one transaction: stores `deployment` unless the unit has its version already, makes it
    /// the active one, and moves the unit's cases recorded with a version of `adopting` (the
    /// byte hashes of stores from before deployments) to it. Returns whether it was new.
    func deploy(_ deployment: StoredDeployment, adopting: [String]) throws(StoreError) -> Bool
    /// Makes an existing deployment the one new cases open on.
    func activate(unit: String, version: String) throws(StoreError)
    /// In one transaction, moves each case of `steps` to the deployment, state and fields of its
    /// step (from the version before it), with its history entry and timers: all, or none when
    /// one fails (a case that changed meanwhile is a conflict).
    func migrate(_ steps: [Step]) throws(StoreError)
    /// How many cases of a unit there are per definitions version, workflow and state.
    func caseCounts(unit: String) throws(StoreError) -> [CaseCount]

    // MARK: Notifications (`notify` effects) and their webhook deliveries
    /// A unit's notifications to any of `roles`, newest first, with the ids below `before` (all
    /// when `nil`), at most `limit`; each with when `person` read it (`nil`: unread). With
    /// `unreadOnly`, only those `person` has not read.
    func notifications(
        unit: String, roles: Set<String>, person: String, unreadOnly: Bool, before: Int?, limit: Int
    ) throws(StoreError) -> [StoredNotification]
    /// The notification `id` of a unit, with when `person` read it; `nil` when there is none.
    func notification(unit: String, id: Int, person: String) throws(StoreError) -> StoredNotification?
    /// Records that `person` read notification `id` at `at` (an earlier reading stands).
    func markNotificationRead(id: Int, person: String, at: Instant) throws(StoreError)
    /// Webhook deliveries due at `at` (neither done nor failed), oldest first, at most `limit`.
    func dueWebhookDeliveries(at: Instant, limit: Int) throws(StoreError) -> [WebhookDelivery]
    /// The earliest time a pending webhook delivery is due, or `nil` when none is pending.
    func nextWebhookDue() throws(StoreError) -> Instant?
    /// Records one try of a delivery: done at `at` when `error` is `nil`; otherwise tried again at
    /// `retryAt`, or (when `retryAt` is `nil`) failed for good with `incident` recorded on its case.
    /// `false` when the delivery had been settled already (another daemon did it).
    func recordWebhookAttempt(
        _ delivery: WebhookDelivery, at: Instant, error: String?, retryAt: Instant?, incident: Incident?
    ) throws(StoreError) -> Bool
    /// Queues a failed delivery again (attempts counted from 0, due at `at`) and resolves the
    /// incident its failure recorded; `false` when there is no such failed delivery.
    func requeueWebhookDelivery(notification: Int, webhook: String, at: Instant, resolving incidentID: Int)
        throws(StoreError) -> Bool

    // MARK: API tokens (`TokenAuthority`; the secret is never stored, only its SHA-256)
    /// Stores a new token; an id or hash the store holds already is a `conflict`.
    func saveToken(_ token: StoredToken) throws(StoreError)
    /// A unit's tokens, oldest first, revoked and expired ones too.
    func tokens(unit: String) throws(StoreError) -> [StoredToken]
    /// The token whose secret hashes to `hash`, or `nil`.
    func token(hash: String) throws(StoreError) -> StoredToken?
    /// The token whose secret hashes to `hash` with what a request of its holder reads next (its
    /// unit's active deployment and its person's directory stamp), in one read where the store
    /// can; `nil` when there is no such token.
    func tokenFacts(hash: String) throws(StoreError) -> TokenFacts?
    /// `tokenFacts(hash:)`, suspending instead of blocking a thread while the store answers.
    func tokenFactsAsync(hash: String) async throws(StoreError) -> TokenFacts?
    /// `tokenFactsAsync(hash:)`, with the case `caseID` the request names read in the same
    /// snapshot (`TokenFacts.readAhead`) where that saves the store a read; a store that gains
    /// nothing by it leaves `readAhead` empty and the request reads the case itself.
    func tokenFactsAsync(hash: String, readingAhead caseID: String) async throws(StoreError) -> TokenFacts?
    /// Revokes the token `id` at `at` (an earlier revocation stands); `false` when there is none.
    func revokeToken(id: String, at: Instant) throws(StoreError) -> Bool

    // MARK: Idempotency keys (the daemon's `Idempotency-Key`)
    /// Claims `key` of `token` for a request with `fingerprint`: the first claim wins; a later
    /// one gets what the first request answered, or learns it has not answered (yet).
    func claimIdempotencyKey(token: String, key: String, fingerprint: String, at: Instant) throws(StoreError)
        -> IdempotencyClaim
    /// Records the answer to the request that claimed `key`.
    func answerIdempotencyKey(token: String, key: String, answer: IdempotentAnswer) throws(StoreError)
    /// Gives up a claim whose request failed without acting (a retry may then act).
    func releaseIdempotencyKey(token: String, key: String) throws(StoreError)

    // MARK: Shared files (`FileSpace`; the engine checks the permissions, the store keeps)
    /// Stores a new file with its content and records its upload, together; returns it with its id.
    func saveFile(_ file: NewFile) throws(StoreError) -> StoredFile
    /// The file `id`, there or deleted, or `nil`.
    func file(_ id: Int) throws(StoreError) -> StoredFile?
    /// The files of a space that are there (of `folder` alone when given), newest first.
    func files(unit: String, space: String, folder: String?) throws(StoreError) -> [StoredFile]
    /// The content of the file `id`, or `nil` when it has none (deleted).
    func fileContent(_ id: Int) throws(StoreError) -> [UInt8]?
    /// Deletes the file `id` (its content goes, its record stays, marked) and records it; `nil`
    /// when it is not there (deleted already).
    func deleteFile(_ id: Int, by actor: String, at: Instant) throws(StoreError) -> StoredFile?
    /// Moves the file `id` from folder `from` to `to` and records it; `nil` when it is not in
    /// `from` any more (moved or deleted meanwhile).
    func moveFile(_ id: Int, from: String, to: String, by actor: String, at: Instant) throws(StoreError) -> StoredFile?
    /// How many files each person uploaded into `folder` (of any space) from `from` (inclusive)
    /// to `to` (exclusive) and has not deleted, by uploader; wherever the files are now.
    func uploadCounts(unit: String, folder: String, from: Instant, to: Instant) throws(StoreError) -> [String: Int]
    /// The audit trail of a space (of one file, when `file` is given), newest first, at most `limit`.
    func fileEvents(unit: String, space: String, file: Int?, limit: Int) throws(StoreError) -> [FileEvent]

    /// Stores a new sign-in code of `person` of `unit` (the SHA-256 of the code, never the code),
    /// valid until `expiresAt`; a hash already stored is a `conflict`.
    func saveSignInCode(hash: String, unit: String, person: String, at now: Instant, expiresAt: Instant)
        throws(StoreError)
    /// Redeems a sign-in code at most once, however many processes try at the same moment, and
    /// stores the session it opens.
    func redeemSignInCode(hash code: String, at now: Instant, session: String, sessionExpiresAt: Instant)
        throws(StoreError) -> SignInRedemption
    /// The session whose secret has this hash, while it has not expired.
    func webSession(hash: String, at now: Instant) throws(StoreError) -> WebSession?
    /// Ends a session; whether there was one.
    @discardableResult func deleteWebSession(hash: String) throws(StoreError) -> Bool
    /// Stores a report's receipt: the code with hash `hash` follows case `caseID` of `unit`.
    func saveReceipt(hash: String, unit: String, caseID: String, at now: Instant) throws(StoreError)
    /// The receipt whose code has this hash.
    func receipt(hash: String) throws(StoreError) -> ReportReceipt?
}

/// What a request answered, kept for its idempotency key.
public struct IdempotentAnswer: Sendable, Hashable {
    public var status: Int
    public var location: String?
    public var contentType: String
    public var body: String

    public init(status: Int, location: String?, contentType: String, body: String) {
        self.status = status
        self.location = location
        self.contentType = contentType
        self.body = body
    }
}

/// The outcome of claiming an idempotency key.
public enum IdempotencyClaim: Sendable, Hashable {
    /// The key is this request's: act, then record the answer.
    case claimed
    /// An earlier request with the key answered this.
    case answered(fingerprint: String, IdempotentAnswer)
    /// An earlier request with the key has not answered: in progress, or it did not finish.
    case pending(fingerprint: String)
}

/// An immutable deployment of a unit's definitions: the files (with the base unit's), their
/// content version, who deployed them, when and why.
public struct StoredDeployment: Sendable, Hashable {
    public struct File: Sendable, Hashable {
        /// From `Workflows/` or `Rules/` on.
        public var path: String
        public var text: String
        public init(path: String, text: String) {
            self.path = path
            self.text = text
        }
    }

    public var unit: String
    public var version: String
    /// Its place among the unit's deployments, from 1; the store numbers a new deployment.
    public var sequence: Int
    public var files: [File]
    public var deployedBy: String
    public var deployedAt: Instant
    public var message: String?

    public init(
        unit: String, version: String, sequence: Int, files: [File], deployedBy: String, deployedAt: Instant,
        message: String?
    ) {
        self.unit = unit
        self.version = version
        self.sequence = sequence
        self.files = files
        self.deployedBy = deployedBy
        self.deployedAt = deployedAt
        self.message = message
    }
}

/// Cases of one definitions version, workflow and state.
public struct CaseCount: Sendable, Hashable {
    public var version: String
    public var workflow: String
    public var state: String
    public var count: Int
    public init(version: String, workflow: String, state: String, count: Int) {
        self.version = version
        self.workflow = workflow
        self.state = state
        self.count = count
    }
}

extension CaseStore {
    public func tokenFacts(hash: String) throws(StoreError) -> TokenFacts? {
        guard let token = try token(hash: hash) else { return nil }
        return TokenFacts(
            token: token, activeDeployment: try activeDeployment(unit: token.unit),
            personStamp: try directoryStamp(unit: token.unit, person: token.person))
    }

    /// The embedded store has no way to hear of other processes' writes: schedulers poll.
    public func watchForWork(_ wake: @escaping @Sendable () -> Void) -> Task<Void, Never>? { nil }

    /// For a store whose commits do not wait for other callers: commits in the caller's task.
    public func commitAsync(_ step: Step, expectedVersion: Int?) async throws(StoreError) {
        try commit(step, expectedVersion: expectedVersion)
    }

    public func recordAsync(
        _ incident: Incident, caseID: String, event: String, input: [String: Value], actor: Actor, at: Instant
    ) async throws(StoreError) {
        try record(incident, caseID: caseID, event: event, input: input, actor: actor, at: at)
    }

    public func people(unit: String, holding role: String) throws(StoreError) -> [StoredPerson] {
        try people(unit: unit).filter { $0.roles.contains(role) }
    }

    public func appointments(unit: String, role: String) throws(StoreError) -> [StoredAppointment] {
        try appointments(unit: unit, person: nil).filter { $0.role == role }
    }

    /// For a store whose reads do not wait on a network: reads in the caller's task.
    public func loadAsync(_ id: String) async throws(StoreError) -> StoredCase? { try load(id) }

    public func tokenFactsAsync(hash: String) async throws(StoreError) -> TokenFacts? {
        try tokenFacts(hash: hash)
    }

    public func tokenFactsAsync(hash: String, readingAhead caseID: String) async throws(StoreError) -> TokenFacts? {
        try await tokenFactsAsync(hash: hash)
    }
}

/// A role given to a person at an org node by a case's `appoint` effect.
public struct StoredAppointment: Sendable, Hashable {
    public var role: String
    public var person: String
    public var node: String?
    /// The person's shift as the case knew it.
    public var shift: String?
    public var caseID: String
    /// When the appointment was made.
    public var at: Instant
    /// How it ended; `nil` while it lasts.
    public var end: AppointmentEnd?

    public init(
        role: String, person: String, node: String?, shift: String?, caseID: String, at: Instant = Instant(seconds: 0),
        end: AppointmentEnd? = nil
    ) {
        self.role = role
        self.person = person
        self.node = node
        self.shift = shift
        self.caseID = caseID
        self.at = at
        self.end = end
    }

    /// Whether the appointment was held at `instant`: made by then and not ended by then (one
    /// made after a period's end is not appraised for that period).
    public func lasts(at instant: Instant) -> Bool { at <= instant && (end.map { $0.at > instant } ?? true) }
}

/// One recorded appointment or end, as a store reads it: a delivered `appoint` or
/// `end_appointment` effect of a case, or an appraisal's consequence of those kinds.
public struct AppointmentRecord: Sendable, Hashable {
    /// When it was recorded.
    public var at: Instant
    /// Its order among the records of that instant (a delivery's id; appraisal consequences last).
    public var order: Int
    /// `appoint` or `end_appointment`.
    public var kind: String
    /// The effect's details as stored (JSON).
    public var detailsJSON: String
    /// What recorded it: a case id, or `appraisal NAME PERIOD`.
    public var source: String

    public init(at: Instant, order: Int, kind: String, detailsJSON: String, source: String) {
        self.at = at
        self.order = order
        self.kind = kind
        self.detailsJSON = detailsJSON
        self.source = source
    }
}

extension StoredAppointment {
    /// The appointments the records make, oldest first, with each end applied in the order it
    /// was recorded: an end marks the person's appointments to the role made before it (at its
    /// node, when it names one) as ended; nothing is removed. Both stores read appointments
    /// through this. A record that cannot be read is an error naming the record (its kind, what
    /// recorded it and when), never its details, which name a person.
    public static func assemble(_ records: [AppointmentRecord]) throws(StoreError) -> [StoredAppointment] {
        let records = records.sorted { ($0.at, $0.order) < ($1.at, $1.order) }
        var appointments: [StoredAppointment] = []
        for record in records {
            guard let json = try? JSONReader.read(record.detailsJSON), let role = json["role"]?.string,
                let person = json["person"]?["id"]?.string ?? json["person"]?.string
            else {
                throw StoreError(
                    .database,
                    "the \(record.kind) recorded by \(record.source) at \(record.at.seconds) cannot be read: "
                        + "its details name no role or no person")
            }
            let node = json["at"]?.string
            if record.kind == "end_appointment" {
                let end = AppointmentEnd(
                    at: record.at, reason: json["reason"]?.string ?? "removal", source: record.source)
                for index in appointments.indices
                where appointments[index].end == nil && appointments[index].person == person
                    && appointments[index].role == role && (node == nil || appointments[index].node == node)
                {
                    appointments[index].end = end
                }
                continue
            }
            appointments.append(
                StoredAppointment(
                    role: role, person: person, node: node,
                    shift: json["shift"]?.string ?? json["person"]?["shift"]?.string, caseID: record.source,
                    at: record.at))
        }
        return appointments
    }
}

/// How an appointment ended: when, why (`removal`, `term_end`, `resignation`) and what ended it
/// (a case id, or `appraisal NAME PERIOD`).
public struct AppointmentEnd: Sendable, Hashable {
    public var at: Instant
    public var reason: String
    public var source: String

    public init(at: Instant, reason: String, source: String) {
        self.at = at
        self.reason = reason
        self.source = source
    }
}

/// The people ids a batch of appraisal results covers: after `after` (from the first when
/// `nil`) through `through` (to the last when `nil`).
public struct AppraisalBatchRange: Sendable, Hashable {
    public var after: String?
    public var through: String?

    public init(after: String?, through: String?) {
        self.after = after
        self.through = through
    }
}

/// One person's appraisal result in one role, as stored.
public struct StoredAppraisal: Sendable, Hashable {
    public var person: String
    public var role: String
    public var definitionVersion: String
    /// The total as exact decimal text.
    public var total: String
    public var grade: String
    /// Dimensions, bonus and deductions as JSON.
    public var detailsJSON: String
    public var at: Instant

    public init(
        person: String, role: String, definitionVersion: String, total: String, grade: String, detailsJSON: String,
        at: Instant
    ) {
        self.person = person
        self.role = role
        self.definitionVersion = definitionVersion
        self.total = total
        self.grade = grade
        self.detailsJSON = detailsJSON
        self.at = at
    }
}

/// A consequence of an appraisal grade, performed once per period, person, role, grade and
/// effect: the case it opened, or the list or ledger entry it made.
public struct StoredConsequence: Sendable, Hashable {
    public var person: String
    public var role: String
    public var grade: String
    /// The effect's position among the grade's consequences.
    public var index: Int
    /// `open`, `commend`, `record`, `notify`, …
    public var kind: String
    public var detailsJSON: String
    public var caseID: String?

    public init(
        person: String, role: String, grade: String, index: Int, kind: String, detailsJSON: String, caseID: String?
    ) {
        self.person = person
        self.role = role
        self.grade = grade
        self.index = index
        self.kind = kind
        self.detailsJSON = detailsJSON
        self.caseID = caseID
    }
}

/// A person of a unit's directory: who may act, with which roles, and the record expressions
/// read as `actor` (the unit's person fields, as JSON).
public struct StoredPerson: Sendable, Hashable {
    public var id: String
    public var roles: [String]
    public var recordJSON: String

    public init(id: String, roles: [String], recordJSON: String) {
        self.id = id
        self.roles = roles
        self.recordJSON = recordJSON
    }
}

/// Who claims timers and effects, and for how long: a process's name for itself and its lease.
public struct Claim: Sendable, Hashable {
    /// Who holds what it claims: unique to the process (host, process id, a random part).
    public var claimant: String
    /// How long a claim holds before another claimant may take the work over.
    public var seconds: Int

    public init(claimant: String, seconds: Int) {
        self.claimant = claimant
        self.seconds = seconds
    }

    /// This process's claims, each holding for a minute: a tick's work on one timer or effect
    /// takes milliseconds, so a claim still held after a minute is a dead claimant's.
    public static let thisProcess: Claim = {
        let process = ProcessInfo.processInfo
        let random = UInt32.random(in: 0...UInt32.max)
        return Claim(claimant: "\(process.hostName):\(process.processIdentifier):\(random)", seconds: 60)
    }()
}

/// A timer as stored.
public struct StoredTimer: Sendable, Hashable {
    public var id: Int
    public var caseID: String
    public var name: String?
    public var event: String
    public var due: Instant

    public init(id: Int, caseID: String, name: String?, event: String, due: Instant) {
        self.id = id
        self.caseID = caseID
        self.name = name
        self.event = event
        self.due = due
    }
}

/// An outbox entry: an effect a committed step asked for, as JSON (`{"kind": …, …}`).
public struct StoredEffect: Sendable, Hashable {
    public var id: Int
    public var caseID: String
    public var json: String
    /// When the step that asked for it was taken.
    public var createdAt: Instant

    public init(id: Int, caseID: String, json: String, createdAt: Instant) {
        self.id = id
        self.caseID = caseID
        self.json = json
        self.createdAt = createdAt
    }
}

/// A step to commit with others (`CaseStore.commit(_:)`), taken on `expectedVersion` of its
/// case (`nil`: the step opens it).
public struct StepCommit: Sendable {
    public var step: Step
    public var expectedVersion: Int?

    public init(_ step: Step, expectedVersion: Int?) {
        self.step = step
        self.expectedVersion = expectedVersion
    }
}

/// One outbox entry to mark performed, with what performing it gives: the step of the case it
/// opens or signals (taken on `expectedVersion`), and what it delivered.
public struct EffectCompletion: Sendable {
    public var effect: StoredEffect
    public var step: Step?
    public var expectedVersion: Int?
    public var delivery: Delivery?

    public init(_ effect: StoredEffect, step: Step?, expectedVersion: Int?, delivery: Delivery?) {
        self.effect = effect
        self.step = step
        self.expectedVersion = expectedVersion
        self.delivery = delivery
    }
}

/// What performing an effect left for people to see: a notification, a ledger entry, a
/// commendation or an appointment.
public struct Delivery: Sendable, Hashable {
    public var kind: String
    public var caseID: String
    /// The details as a JSON object.
    public var detailsJSON: String
    /// When it was performed (the tick's time); `nil`: when the store writes it.
    public var at: Instant?
    /// For a `notify` effect: the notification it leaves in inboxes, recorded with it.
    public var notice: Notice?
    /// What went wrong performing the effect, recorded on its case with it (event `effect`, by
    /// the engine, at `incidentAt`): the incident and the effect's completion are one write,
    /// so an effect another process performed first leaves no second incident.
    public var incident: Incident?
    public var incidentAt: Instant?

    public init(kind: String, caseID: String, detailsJSON: String, at: Instant? = nil) {
        self.kind = kind
        self.caseID = caseID
        self.detailsJSON = detailsJSON
        self.at = at
    }
}

/// A case as stored: its fields as JSON, decoded with the workflow's types by the engine.
///
/// A store may keep the fields in full only now and then (a snapshot) and append each step's
/// changes to the case's step log in between: then `fieldsJSON` is the snapshot and `changes`
/// the changes of the steps after it, oldest first, each a JSON array of
/// `{"field", "old", "new"}` as a history entry has them. `currentFields()` applies them.
/// The number of a unit's deployment of some version (`nil` when there is none), and the
/// unit's active deployment's version and number (`nil` before its first deployment).
public struct DeploymentStanding: Sendable, Hashable {
    public var sequence: Int?
    public var activeVersion: String?
    public var activeSequence: Int?

    public init(sequence: Int?, activeVersion: String?, activeSequence: Int?) {
        self.sequence = sequence
        self.activeVersion = activeVersion
        self.activeSequence = activeSequence
    }
}

public struct StoredCase: Sendable, Hashable {
    public var id: String
    public var unit: String
    public var workflow: String
    public var definitionVersion: String
    public var state: String
    public var fieldsJSON: String
    /// The changes of the steps after the snapshot `fieldsJSON` is, oldest first.
    public var changes: [String] = []
    public var version: Int
    public var openedAt: Instant
    public var updatedAt: Instant
    public var parent: String?

    public init(
        id: String, unit: String, workflow: String, definitionVersion: String, state: String, fieldsJSON: String,
        version: Int, openedAt: Instant, updatedAt: Instant, parent: String?
    ) {
        self.id = id
        self.unit = unit
        self.workflow = workflow
        self.definitionVersion = definitionVersion
        self.state = state
        self.fieldsJSON = fieldsJSON
        self.version = version
        self.openedAt = openedAt
        self.updatedAt = updatedAt
        self.parent = parent
    }

    /// The case's fields now: the snapshot with the changes after it applied.
    public func currentFields() throws -> JSON {
        let snapshot = try JSONReader.read(fieldsJSON.utf8)
        guard !changes.isEmpty else { return snapshot }
        guard case .object(var object) = snapshot else {
            throw StoredChangesError(message: "the fields are \(snapshot.kind), not an object")
        }
        for text in changes {
            guard case .array(let items) = try JSONReader.read(text.utf8) else {
                throw StoredChangesError(message: "a step's changes are not an array")
            }
            for item in items {
                guard case .string(let field)? = item["field"], let value = item["new"] else {
                    throw StoredChangesError(message: "a step's change has no field or new value")
                }
                // An emptied field (or one a migration gave up) is left out, as it reads as null.
                object[field] = value == .null ? nil : value
            }
        }
        return .object(object)
    }
}

/// Why a case's stored fields and changes could not be read together.
public struct StoredChangesError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A history entry as stored.
public struct StoredHistory: Sendable, Hashable {
    public var sequence: Int
    public var at: Instant
    public var actor: String
    public var event: String
    public var transition: String?
    public var from: String?
    public var to: String
    /// `[{"field": …, "old": …, "new": …}]`
    public var changesJSON: String
    public var definitionVersion: String

    public init(
        sequence: Int, at: Instant, actor: String, event: String, transition: String?, from: String?, to: String,
        changesJSON: String, definitionVersion: String
    ) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.event = event
        self.transition = transition
        self.from = from
        self.to = to
        self.changesJSON = changesJSON
        self.definitionVersion = definitionVersion
    }
}

/// An incident as stored, with the event that raised it so it can be retried.
public struct StoredIncident: Sendable, Hashable {
    public var id: Int
    public var caseID: String
    public var code: String
    public var message: String
    public var transition: String?
    public var expression: String?
    public var event: String
    public var inputJSON: String
    public var actor: Actor
    public var at: Instant
    public var resolved: Bool

    public init(
        id: Int, caseID: String, code: String, message: String, transition: String?, expression: String?, event: String,
        inputJSON: String, actor: Actor, at: Instant, resolved: Bool
    ) {
        self.id = id
        self.caseID = caseID
        self.code = code
        self.message = message
        self.transition = transition
        self.expression = expression
        self.event = event
        self.inputJSON = inputJSON
        self.actor = actor
        self.at = at
        self.resolved = resolved
    }
}

/// A store failure: a conflict a caller can retry, a store that is missing, busy, read-only or
/// on a full disk, a file that is not a Gridflow store, or another error of the database.
public struct StoreError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure it is.
    public enum Code: String, Sendable {
        /// Another writer changed the row first; retrying may succeed.
        case conflict
        /// The file is not an SQLite database, or one of another application.
        case notAStore = "not-a-store"
        /// A case, incident or other row that is not there.
        case notFound = "not-found"
        /// Any other failure of the database.
        case database
        /// There is no store at the path, and the caller did not ask for one to be created.
        case missing
        /// Another process held the store locked for longer than the busy timeout.
        case busy
        /// The store's file, or the folder it needs to write beside it, may not be written.
        case readOnly = "read-only"
        /// The disk holding the store is full.
        case diskFull = "disk-full"
        /// The file cannot be opened: a missing folder, a folder in its place, no permission.
        case cannotOpen = "cannot-open"
        /// The store was written by a newer build whose schema this one does not know.
        case newerSchema = "newer-schema"
    }

    /// What kind of failure it is.
    public var code: Code
    /// One line for people: the file and the cause.
    public var message: String
    /// The underlying library's own words, for `debugDescription`.
    public var details: String?

    /// A failure with its kind, message and, optionally, the library's own words.
    public init(_ code: Code, _ message: String, details: String? = nil) {
        self.code = code
        self.message = message
        self.details = details
    }

    /// The message.
    public var description: String { message }

    /// The message and the underlying library's words.
    public var debugDescription: String { details.map { "\(message) [\($0)]" } ?? message }
}

/// A notification a `notify` effect leaves: for the holders of `role` whose scope reaches
/// `place`. It holds the definition's fixed message and the case's id, never a field's value.
public struct Notice: Sendable, Hashable {
    public var unit: String
    public var workflow: String
    public var role: String
    /// The org node the case is placed at (`nil`: the root); `placeProblem` when it is unknown.
    public var place: String?
    public var placeProblem: String?
    public var message: String
    /// When the step that asked for it was taken.
    public var at: Instant
    /// The unit's webhooks that carry it, by name, and when each first falls due.
    public var webhooks: [String]

    public init(
        unit: String, workflow: String, role: String, place: String?, placeProblem: String?, message: String,
        at: Instant, webhooks: [String]
    ) {
        self.unit = unit
        self.workflow = workflow
        self.role = role
        self.place = place
        self.placeProblem = placeProblem
        self.message = message
        self.at = at
        self.webhooks = webhooks
    }
}

/// A notification as stored, with when one person read it.
public struct StoredNotification: Sendable, Hashable {
    public var id: Int
    public var caseID: String
    public var notice: Notice
    /// When the person it was read for read it; `nil`: unread.
    public var readAt: Instant?

    public init(id: Int, caseID: String, notice: Notice, readAt: Instant?) {
        self.id = id
        self.caseID = caseID
        self.notice = notice
        self.readAt = readAt
    }
}

/// One notification on its way to one webhook.
public struct WebhookDelivery: Sendable, Hashable {
    public var notificationID: Int
    public var webhook: String
    public var caseID: String
    public var notice: Notice
    /// Tries made so far.
    public var attempts: Int

    public init(notificationID: Int, webhook: String, caseID: String, notice: Notice, attempts: Int) {
        self.notificationID = notificationID
        self.webhook = webhook
        self.caseID = caseID
        self.notice = notice
        self.attempts = attempts
    }
}
