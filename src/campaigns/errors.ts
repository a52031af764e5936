/** Errors of campaign import and measurement: one base. */
export class CampaignError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CampaignError';
  }
}

/** A campaign id, option or mapping the user gave is not usable; the message names it and what was expected. */
export class CampaignOptionsError extends CampaignError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CampaignOptionsError';
  }
}
