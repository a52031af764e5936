/**
 * CLV model: BG/NBD + Gamma-Gamma. Fit with fitBgNbd / fitGammaGamma on an rfmSummary, score with pAlive,
 * expectedTransactions, pNoPurchase and expectedClv, or train everything (ONNX + card) with trainClv.
 */
export { rfmSummary, purchaseDaysInWindow, utcDay, DAYS_PER_UNIT } from './rfm.ts';
export type { CustomerSummary, TimeUnit, Transaction } from './rfm.ts';
export {
  bgNbdLogLikelihood,
  expectedTransactions,
  expectedTransactionsIfAlive,
  expectedTransactionsNew,
  fitBgNbd,
  pAlive,
  pNoPurchase,
} from './bgnbd.ts';
export type { BgNbdFit, BgNbdParams, Rft } from './bgnbd.ts';
export { expectedSpend, fitGammaGamma, gammaGammaLogLikelihood } from './gamma-gamma.ts';
export type { GammaGammaFit, GammaGammaParams, SpendRow } from './gamma-gamma.ts';
export { clvSchedule, expectedClv, DAYS_PER_MONTH } from './clv.ts';
export type { ClvCustomer, ClvOptions, ClvSchedule } from './clv.ts';
export { auc, evaluateChurn } from './evaluate.ts';
export type { ChurnEvaluation, ChurnEvaluationOptions } from './evaluate.ts';
export { CDNOW_PROTOCOL, parseCdnow } from './cdnow.ts';
export { CLV_FEATURES, CLV_INPUT, CLV_OUTPUTS, clvToOnnx } from './onnx.ts';
export { trainClv } from './train.ts';
export type { ClvCard, ClvCardSections, ClvModel, TrainClvOptions } from './train.ts';
export { ClvError, ClvFitError, ClvInputError, ClvNumericsError } from './errors.ts';
