/**
 * Pauses every EventBridge Scheduler schedule of a scope (`pauseSchedules` in the configuration): each schedule is
 * deployed with state DISABLED, so nothing runs at night while the functions stay invocable by hand (a backfill, a
 * first run after the models are pushed). An aspect rather than a prop of each job: a schedule added later is paused
 * too, without anyone remembering to pass the switch on.
 *
 * @example Aspects.of(app).add(new PauseSchedules())
 */
import type { IAspect } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { IConstruct } from 'constructs';

export class PauseSchedules implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof scheduler.CfnSchedule) node.state = 'DISABLED';
  }
}
