/**
 * The node and target arrays of an ai.onnx.ml TreeEnsembleRegressor built from gradient-boosted trees (models/churn/
 * gbdt.ts): one place that lays trees out as ONNX expects, for the churn model (one score target plus per-feature
 * contributions) and the uplift T-learner (a treated and a control target).
 */
import { attr, type AttributeValue } from '../../src/onnx/index.ts';
import type { Tree } from './gbdt.ts';

export class TreeEnsembleArrays {
  private readonly nodes = { tree: [] as number[], id: [] as number[], feature: [] as number[], value: [] as number[], mode: [] as string[], yes: [] as number[], no: [] as number[] };
  private readonly targets = { tree: [] as number[], node: [] as number[], id: [] as number[], weight: [] as number[] };

  /** Adds tree `t` as tree number `treeId`; each leaf adds weight to the targets `leafTargets(node)` names. */
  addTree(t: Tree, treeId: number, leafTargets: (node: number) => Iterable<readonly [target: number, weight: number]>): void {
    const { nodes, targets } = this;
    for (let node = 0; node < t.feature.length; node++) {
      const leaf = t.feature[node]! < 0;
      nodes.tree.push(treeId);
      nodes.id.push(node);
      nodes.feature.push(leaf ? 0 : t.feature[node]!);
      nodes.value.push(leaf ? 0 : t.threshold[node]!);
      nodes.mode.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      nodes.yes.push(leaf ? 0 : t.left[node]!);
      nodes.no.push(leaf ? 0 : t.right[node]!);
      if (!leaf) continue;
      for (const [target, weight] of leafTargets(node)) {
        targets.tree.push(treeId);
        targets.node.push(node);
        targets.id.push(target);
        targets.weight.push(weight);
      }
    }
  }

  /** The regressor's node and target attributes (the caller adds n_targets, base_values and the transforms). */
  attributes(): Record<string, AttributeValue> {
    const { nodes, targets } = this;
    return {
      nodes_treeids: attr.ints(nodes.tree),
      nodes_nodeids: attr.ints(nodes.id),
      nodes_featureids: attr.ints(nodes.feature),
      nodes_values: attr.floats(nodes.value),
      nodes_modes: attr.strings(nodes.mode),
      nodes_truenodeids: attr.ints(nodes.yes),
      nodes_falsenodeids: attr.ints(nodes.no),
      target_treeids: attr.ints(targets.tree),
      target_nodeids: attr.ints(targets.node),
      target_ids: attr.ints(targets.id),
      target_weights: attr.floats(targets.weight),
    };
  }
}
