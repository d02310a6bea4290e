/** Status pages, incidents and their updates as the rest of Upbeat sees them. */

/** States of an incident update (the incident's state is its latest update's). */
export const UPDATE_STATES = ["investigating", "identified", "monitoring", "resolved", "maintenance"] as const;
/** An update's state. */
export type UpdateState = (typeof UPDATE_STATES)[number];

/** What a thread is about: an unplanned incident or a planned maintenance announcement. */
export const INCIDENT_KINDS = ["incident", "maintenance"] as const;
/** A thread's kind. */
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** How bad an open incident is for the page's banner: `minor` → degraded, `major` → down. */
export const IMPACTS = ["none", "minor", "major"] as const;
/** An incident's impact. */
export type Impact = (typeof IMPACTS)[number];

/** The page-wide status shown in the banner. */
export type OverallStatus = "up" | "degraded" | "down" | "maintenance";

/** Banner texts by overall status; the first three are Checkup's defaults (compat §3.8). */
export const DEFAULT_STATUS_TEXT: Record<OverallStatus, string> = {
  up: "Situation Normal",
  degraded: "Degraded Service",
  down: "Service Disruption",
  maintenance: "Scheduled Maintenance",
};

/** A monitor on a page: its id, and the name shown there (the monitor's own name when absent). */
export interface SectionMonitor {
  /** Monitor id. */
  id: string;
  /** Public name. */
  name?: string;
}

/** A section of a page: monitors listed by id, then those matched by labels (`group=shop`). */
export interface Section {
  /** Heading. */
  title: string;
  /** Text under the heading. */
  description?: string;
  /** Monitors by id, in this order. */
  monitors: SectionMonitor[];
  /** Label matchers (all must match); matched monitors follow the listed ones, by name. */
  matchers: string[];
}

/** A status page's settings. */
export interface StatusPage {
  /** Row id. */
  id: number;
  /** URL name: `/pages/<slug>`. */
  slug: string;
  /** Title. */
  title: string;
  /** Text under the title. */
  description: string;
  /** Logo image URL (an uploaded logo wins). */
  logoUrl?: string;
  /** Media type of the uploaded logo. */
  logoType?: string;
  /** Host name that serves this page at `/`. */
  domain?: string;
  /** argon2 hash of the page password (absent: public). */
  passwordHash?: string;
  /** Sections of monitors. */
  sections: Section[];
  /** Whether the 90-day bars are shown. */
  showUptimeBars: boolean;
  /** Footer text. */
  footer: string;
  /** Banner texts that replace the defaults. */
  statusText: Partial<Record<OverallStatus, string>>;
  /** Days of resolved incidents listed on the page itself. */
  historyDays: number;
  /** Epoch ms created. */
  createdAt: number;
  /** Epoch ms last changed. */
  updatedAt: number;
}

/** One message of an incident's thread. */
export interface IncidentUpdate {
  /** Row id. */
  id: number;
  /** Incident id. */
  incidentId: number;
  /** State it put the incident in. */
  state: UpdateState;
  /** Text (plain, line breaks kept). */
  body: string;
  /** Who wrote it. */
  author: string;
  /** Epoch ms posted. */
  createdAt: number;
  /** Epoch ms last edited. */
  updatedAt: number;
}

/** An incident (or maintenance announcement) with its updates, newest first. */
export interface StatusIncident {
  /** Row id. */
  id: number;
  /** Page id. */
  pageId: number;
  /** Incident or maintenance. */
  kind: IncidentKind;
  /** Title. */
  title: string;
  /** Effect on the banner while open. */
  impact: Impact;
  /** State of the latest update. */
  state: UpdateState;
  /** Affected monitor ids. */
  monitors: string[];
  /** Maintenance: epoch ms it starts. */
  startsAt?: number;
  /** Maintenance: epoch ms it ends. */
  endsAt?: number;
  /** Who opened it. */
  author: string;
  /** Epoch ms opened. */
  createdAt: number;
  /** Epoch ms last changed (or updated). */
  updatedAt: number;
  /** Epoch ms of the resolving update. */
  resolvedAt?: number;
  /** The thread, newest first. */
  updates: IncidentUpdate[];
}
