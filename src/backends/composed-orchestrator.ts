import type {
  BackendCapabilities,
  ChangeFeed,
  ChangeWaitOptions,
  ConcurrencyControlStore,
  FinalInvocationRetention,
  HeardFinal,
  HistoryEntry,
  InvocationFilter,
  InvocationStatusStore,
  LeaseStore,
  LivenessHold,
  LivenessProbe,
  NewInvocation,
  Orchestrator,
  Outcome,
  RecordStepResult,
  RegisterResult,
  RunnerContext,
  RunnerRecord,
  RunnerRegistry,
  ScopeUsage,
  SettledRecord,
  Settlement,
  StatusCount,
  StatusRecord,
  TransitionRequest,
  TransitionResult,
  TriggerState,
  TriggerStateStore,
  WorkflowStep,
  WorkflowStore,
} from "../core/contract/index.js";

/** The role objects an engine's orchestrator is made of, one concern each. */
export interface OrchestratorRoles {
  statuses: InvocationStatusStore;
  concurrency: ConcurrencyControlStore;
  retention: FinalInvocationRetention;
  runners: RunnerRegistry;
  leases: LeaseStore;
  triggers: TriggerStateStore;
  workflows: WorkflowStore;
  changes: ChangeFeed;
  liveness: LivenessProbe;
}

/** Engines without sessions (memory, SQLite): nothing to hold, nothing to report. */
export const NO_SESSIONS: LivenessProbe = {
  holdLiveness: async () => ({ release: async () => {} }),
  closedSessions: async () => [],
};

/**
 * An orchestrator composed of its roles: each engine implements every role in its own file and
 * its `orchestrator.ts` only wires them and owns the life cycle (init, purge, close).
 */
export abstract class ComposedOrchestrator implements Orchestrator {
  abstract readonly capabilities: BackendCapabilities;
  abstract init(): Promise<void>;
  abstract purge(): Promise<void>;
  abstract close(): Promise<void>;

  constructor(private readonly roles: OrchestratorRoles) {}

  register(invocations: readonly NewInvocation[]): Promise<RegisterResult[]> {
    return this.roles.statuses.register(invocations);
  }
  transition(requests: readonly TransitionRequest[]): Promise<TransitionResult[]> {
    return this.roles.statuses.transition(requests);
  }
  getStatuses(ids: readonly string[]): Promise<Map<string, StatusRecord>> {
    return this.roles.statuses.getStatuses(ids);
  }
  getSettled(ids: readonly string[]): Promise<Map<string, SettledRecord>> {
    return this.roles.statuses.getSettled(ids);
  }
  find(filter: InvocationFilter): Promise<StatusRecord[]> {
    return this.roles.statuses.find(filter);
  }
  countByStatus(): Promise<StatusCount[]> {
    return this.roles.statuses.countByStatus();
  }
  historyBetween(from: number, to: number, limit: number): Promise<HistoryEntry[]> {
    return this.roles.statuses.historyBetween(from, to, limit);
  }
  getOutcome(id: string): Promise<Outcome | null> {
    return this.roles.statuses.getOutcome(id);
  }
  history(id: string): Promise<HistoryEntry[]> {
    return this.roles.statuses.history(id);
  }

  registrationHolder(scope: string): Promise<string | null> {
    return this.roles.concurrency.registrationHolder(scope);
  }
  scopeUsage(): Promise<ScopeUsage[]> {
    return this.roles.concurrency.scopeUsage();
  }
  deleteFinalBefore(before: number, limit: number): Promise<string[]> {
    return this.roles.retention.deleteFinalBefore(before, limit);
  }

  heartbeat(runnerIds: readonly string[]): Promise<void> {
    return this.roles.runners.heartbeat(runnerIds);
  }
  registerRunner(ctx: RunnerContext): Promise<void> {
    return this.roles.runners.registerRunner(ctx);
  }
  markRunnersStopping(runnerIds: readonly string[], drainMs: number): Promise<void> {
    return this.roles.runners.markRunnersStopping(runnerIds, drainMs);
  }
  markRunnersStopped(runnerIds: readonly string[]): Promise<void> {
    return this.roles.runners.markRunnersStopped(runnerIds);
  }
  runners(): Promise<RunnerRecord[]> {
    return this.roles.runners.runners();
  }
  deadRunners(olderThanMs: number): Promise<string[]> {
    return this.roles.runners.deadRunners(olderThanMs);
  }

  markRunnersDead(runnerIds: readonly string[], note: string): Promise<void> {
    return this.roles.runners.markRunnersDead(runnerIds, note);
  }

  holdLiveness(ctx: RunnerContext): Promise<LivenessHold> {
    return this.roles.liveness.holdLiveness(ctx);
  }
  closedSessions(candidates: readonly RunnerRecord[]): Promise<string[]> {
    return this.roles.liveness.closedSessions(candidates);
  }

  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.roles.leases.acquireLease(name, holder, ttlMs);
  }
  releaseLease(name: string, holder: string): Promise<void> {
    return this.roles.leases.releaseLease(name, holder);
  }

  getTriggerStates(keys: readonly string[]): Promise<Map<string, TriggerState>> {
    return this.roles.triggers.getTriggerStates(keys);
  }
  setTriggerState(key: string, value: string, expectVersion: number): Promise<boolean> {
    return this.roles.triggers.setTriggerState(key, value, expectVersion);
  }
  backendNow(): Promise<number> {
    return this.roles.triggers.backendNow();
  }

  recordStep(
    step: WorkflowStep,
    token: number,
    data?: { workflowId: string; key: string; value: string },
  ): Promise<RecordStepResult> {
    return this.roles.workflows.recordStep(step, token, data);
  }
  workflowSteps(invocationId: string): Promise<WorkflowStep[]> {
    return this.roles.workflows.workflowSteps(invocationId);
  }
  workflowData(workflowId: string): Promise<Map<string, string>> {
    return this.roles.workflows.workflowData(workflowId);
  }

  waitForChange(ids: readonly string[], timeoutMs: number, opts?: ChangeWaitOptions): Promise<void> {
    return this.roles.changes.waitForChange(ids, timeoutMs, opts);
  }
  onSettled(listener: (settled: Settlement) => void): (() => void) | null {
    return this.roles.changes.onSettled(listener);
  }
  noteFinals(ids: readonly string[]): void {
    this.roles.changes.noteFinals(ids);
  }
  heardFinal(id: string): HeardFinal | "pending" | null {
    return this.roles.changes.heardFinal(id);
  }
}
