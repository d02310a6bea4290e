/** Every channel type by name: a new channel is one file, its test, and one line here. */
import { discordNotifier } from "./discord.ts";
import { emailNotifier } from "./email.ts";
import { googleChatNotifier } from "./google-chat.ts";
import { gotifyNotifier } from "./gotify.ts";
import { mailgunNotifier } from "./mailgun.ts";
import { matrixNotifier } from "./matrix.ts";
import { mattermostNotifier } from "./mattermost.ts";
import { ntfyNotifier } from "./ntfy.ts";
import { opsgenieNotifier } from "./opsgenie.ts";
import { pagerDutyNotifier } from "./pagerduty.ts";
import { pushoverNotifier } from "./pushover.ts";
import { scriptNotifier } from "./script.ts";
import { slackNotifier } from "./slack.ts";
import { snsNotifier } from "./sns.ts";
import { teamsNotifier } from "./teams.ts";
import { telegramNotifier } from "./telegram.ts";
import type { Notifier } from "./types.ts";
import { webhookNotifier } from "./webhook.ts";

const registry = {
  webhook: webhookNotifier,
  slack: slackNotifier,
  discord: discordNotifier,
  teams: teamsNotifier,
  mattermost: mattermostNotifier,
  "google-chat": googleChatNotifier,
  telegram: telegramNotifier,
  pagerduty: pagerDutyNotifier,
  opsgenie: opsgenieNotifier,
  pushover: pushoverNotifier,
  ntfy: ntfyNotifier,
  gotify: gotifyNotifier,
  matrix: matrixNotifier,
  email: emailNotifier,
  mailgun: mailgunNotifier,
  script: scriptNotifier,
  sns: snsNotifier,
} as const;

/** A channel type. */
export type ChannelKind = keyof typeof registry;

/** The channel types, each a notifier of its own settings. */
export const NOTIFIERS: Readonly<Record<ChannelKind, Notifier<unknown>>> = registry as unknown as Record<ChannelKind, Notifier<unknown>>;
