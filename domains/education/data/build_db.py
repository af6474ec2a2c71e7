"""Build the education pack's SQLite database: catalog, students, enrolments, assignments, quiz bank.

Deterministic (fixed seed): the same script always writes the same rows. Dates are written
relative to the day the database is built and that day is stored in ``meta.built_on``; the
plugins move every stored date forward by (today - built_on) when they read it, so deadlines
and start dates never go stale however old the shipped file is.

Run:  python domains/education/data/build_db.py [--out PATH] [--today YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

SEED = 20240901
DEFAULT_OUT = Path(__file__).with_name("education.db")

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE courses (
    code TEXT PRIMARY KEY, title TEXT NOT NULL, subject TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('beginner', 'intermediate', 'advanced')),
    mode TEXT NOT NULL CHECK (mode IN ('online', 'on campus')),
    schedule TEXT NOT NULL CHECK (schedule IN ('mornings', 'afternoons', 'evenings', 'weekends')),
    days TEXT NOT NULL, start_time TEXT NOT NULL, end_time TEXT NOT NULL,
    instructor TEXT NOT NULL, credits INTEGER NOT NULL, capacity INTEGER NOT NULL,
    starts_on TEXT NOT NULL, weeks INTEGER NOT NULL, description TEXT NOT NULL
);
CREATE TABLE prerequisites (
    course_code TEXT NOT NULL REFERENCES courses(code), requires_code TEXT NOT NULL REFERENCES courses(code),
    PRIMARY KEY (course_code, requires_code)
);
CREATE TABLE students (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, program TEXT NOT NULL);
CREATE TABLE enrolments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    student_id TEXT NOT NULL REFERENCES students(id), course_code TEXT NOT NULL REFERENCES courses(code),
    status TEXT NOT NULL CHECK (status IN ('enrolled', 'dropped', 'completed')),
    enrolled_on TEXT NOT NULL, dropped_on TEXT, final_grade INTEGER,
    UNIQUE (student_id, course_code)
);
CREATE TABLE assignments (
    id INTEGER PRIMARY KEY, course_code TEXT NOT NULL REFERENCES courses(code), title TEXT NOT NULL,
    kind TEXT NOT NULL, due_on TEXT NOT NULL, weight INTEGER NOT NULL
);
CREATE TABLE submissions (
    assignment_id INTEGER NOT NULL REFERENCES assignments(id), student_id TEXT NOT NULL REFERENCES students(id),
    submitted_on TEXT NOT NULL, score INTEGER, PRIMARY KEY (assignment_id, student_id)
);
CREATE TABLE quiz_questions (
    id INTEGER PRIMARY KEY, course_code TEXT NOT NULL REFERENCES courses(code), topic TEXT NOT NULL,
    question TEXT NOT NULL, choice_a TEXT NOT NULL, choice_b TEXT NOT NULL, choice_c TEXT NOT NULL,
    choice_d TEXT NOT NULL, answer TEXT NOT NULL CHECK (answer IN ('A', 'B', 'C', 'D')),
    accepted TEXT NOT NULL DEFAULT '', hint TEXT NOT NULL, explanation TEXT NOT NULL
);
CREATE TABLE quiz_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL, student_id TEXT,
    question_id INTEGER NOT NULL REFERENCES quiz_questions(id), answer_given TEXT NOT NULL,
    correct INTEGER NOT NULL, used_hint INTEGER NOT NULL, answered_at TEXT NOT NULL
);
CREATE TABLE study_tips (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, tip TEXT NOT NULL);
CREATE INDEX enrolments_by_student ON enrolments(student_id);
CREATE INDEX assignments_by_course ON assignments(course_code);
CREATE INDEX questions_by_course ON quiz_questions(course_code);
"""

# code, title, subject, level, mode, schedule, days, start, end, instructor, credits, capacity,
# starts in (days from build day; negative = already running), weeks, description
COURSES = [
    ("CS101", "Introduction to Programming with Python", "computer science", "beginner", "online", "evenings",
     "Mon & Wed", "18:00", "19:30", "Dr. Alan Reyes", 4, 60, -21, 12,
     "Variables, control flow, functions, lists and dictionaries, and small programs that solve real problems."),
    ("CS150", "Web Development Fundamentals", "computer science", "beginner", "on campus", "mornings",
     "Tue & Thu", "10:00", "11:30", "Sara Lindqvist", 3, 40, 14, 10,
     "HTML, CSS and a first taste of JavaScript; you build and publish a personal website."),
    ("CS201", "Data Structures and Algorithms", "computer science", "intermediate", "on campus", "mornings",
     "Mon & Wed", "10:00", "11:30", "Dr. Alan Reyes", 4, 45, -17, 12,
     "Arrays, linked lists, stacks, queues, hash tables, trees and graphs; sorting and Big-O analysis."),
    ("CS240", "Databases and SQL", "computer science", "intermediate", "online", "weekends",
     "Sat", "09:00", "12:00", "Dr. Nkechi Okafor", 3, 50, 7, 10,
     "Relational modelling, SQL queries and joins, indexes and transactions with SQLite and PostgreSQL."),
    ("CS310", "Machine Learning", "computer science", "advanced", "online", "evenings",
     "Tue & Thu", "18:00", "19:30", "Prof. Hannah Weiss", 4, 35, -27, 12,
     "Regression, classification, model evaluation, trees, ensembles and an introduction to neural networks."),
    ("DS200", "Data Analysis with Pandas", "data science", "intermediate", "online", "evenings",
     "Wed", "19:00", "21:00", "Tomás Herrera", 3, 40, -14, 8,
     "Cleaning, reshaping and visualising real data sets with pandas and matplotlib."),
    ("MATH101", "College Algebra", "mathematics", "beginner", "on campus", "afternoons",
     "Mon & Wed", "14:00", "15:30", "Dr. Grace Mbeki", 3, 50, 14, 12,
     "Equations, inequalities, functions and graphs, exponentials and logarithms."),
    ("MATH150", "Calculus I", "mathematics", "beginner", "on campus", "mornings",
     "Tue & Thu", "08:30", "10:00", "Dr. Grace Mbeki", 4, 50, -23, 12,
     "Limits, derivatives and their applications, and an introduction to integrals."),
    ("MATH210", "Linear Algebra", "mathematics", "intermediate", "online", "afternoons",
     "Tue & Thu", "13:00", "14:30", "Prof. Ivan Petrov", 4, 45, -26, 12,
     "Vectors, matrices, systems of equations, determinants, eigenvalues and eigenvectors."),
    ("STAT110", "Introduction to Statistics", "statistics", "beginner", "online", "evenings",
     "Tue", "18:30", "20:30", "Dr. Leila Haddad", 3, 80, -25, 10,
     "Descriptive statistics, probability basics, sampling, confidence intervals and hypothesis tests."),
    ("STAT220", "Probability", "statistics", "intermediate", "on campus", "afternoons",
     "Mon & Wed", "15:00", "16:30", "Dr. Leila Haddad", 3, 40, 21, 10,
     "Random variables, common distributions, expectation, variance and the central limit theorem."),
    ("PHYS101", "Physics I: Mechanics", "physics", "beginner", "on campus", "afternoons",
     "Mon & Wed & Fri", "13:00", "14:00", "Dr. Kenji Watanabe", 4, 60, -20, 12,
     "Motion, Newton's laws, energy, momentum and rotation, with weekly lab sessions."),
    ("BIO101", "Introduction to Biology", "biology", "beginner", "on campus", "mornings",
     "Mon & Wed", "08:30", "10:00", "Dr. Amara Nwosu", 4, 70, -22, 12,
     "Cells, genetics, evolution and ecosystems, with hands-on lab work."),
    ("CHEM101", "General Chemistry", "chemistry", "beginner", "on campus", "afternoons",
     "Tue & Thu", "14:00", "15:30", "Dr. Pablo Ortega", 4, 60, 14, 12,
     "Atoms, bonding, reactions, stoichiometry and the gas laws."),
    ("ECON101", "Principles of Microeconomics", "economics", "beginner", "online", "weekends",
     "Sun", "10:00", "12:30", "Dr. Rachel Kim", 3, 90, -19, 10,
     "Supply and demand, elasticity, consumer choice, firms and market structures."),
    ("ECON201", "Macroeconomics", "economics", "intermediate", "online", "evenings",
     "Thu", "19:00", "21:00", "Dr. Rachel Kim", 3, 60, 21, 10,
     "GDP, inflation, unemployment, monetary and fiscal policy, and international trade."),
    ("PSY101", "Introduction to Psychology", "psychology", "beginner", "online", "evenings",
     "Mon & Wed", "18:30", "20:00", "Dr. Olivia Brennan", 3, 100, -24, 12,
     "Memory, learning, perception, development, personality and mental health."),
    ("HIST120", "Modern World History", "history", "beginner", "on campus", "afternoons",
     "Fri", "13:00", "16:00", "Prof. Daniel Adeyemi", 3, 45, 7, 12,
     "From the industrial revolution to the present: empires, world wars, decolonisation and globalisation."),
    ("ENG105", "Academic Writing", "english", "beginner", "online", "mornings",
     "Fri", "09:00", "11:00", "Claire Dubois", 3, 30, -18, 10,
     "Planning, drafting and revising essays; argument, evidence and citing sources."),
    ("ENG210", "Creative Writing", "english", "intermediate", "on campus", "evenings",
     "Thu", "18:00", "20:30", "Marcus Bell", 3, 20, 21, 10,
     "Short fiction and poetry workshops with weekly writing and peer feedback."),
    ("SPAN101", "Spanish for Beginners", "spanish", "beginner", "online", "evenings",
     "Tue & Thu", "19:45", "21:00", "Lucía Fernández", 3, 30, 7, 12,
     "Everyday conversation, pronunciation, the present tense and core vocabulary."),
    ("ART110", "Drawing Fundamentals", "art", "beginner", "on campus", "weekends",
     "Sat", "13:00", "16:00", "Ines Moreau", 2, 12, 7, 8,
     "Line, shape, perspective, light and shadow, from still life to figure drawing."),
]

PREREQUISITES = [
    ("CS201", "CS101"), ("CS240", "CS101"), ("CS310", "CS201"), ("CS310", "MATH210"),
    ("DS200", "CS101"), ("MATH210", "MATH150"), ("STAT220", "MATH150"), ("ECON201", "ECON101"),
    ("ENG210", "ENG105"),
]

# fixed students used in the README and the tests; others are generated
STUDENTS = [
    ("S10001", "Maya Chen", "Computer Science BSc"),
    ("S10002", "Liam O'Connor", "Computer Science BSc"),
    ("S10003", "Priya Patel", "Data Science BSc"),
    ("S10004", "Noah Williams", "Economics BA"),
    ("S10005", "Sofia Rossi", "Psychology BA"),
]
# (student, course, status, final grade) for the fixed students
FIXED_ENROLMENTS = [
    ("S10001", "CS101", "enrolled", None), ("S10001", "MATH150", "enrolled", None),
    ("S10001", "ENG105", "enrolled", None),
    ("S10002", "CS101", "completed", 88), ("S10002", "MATH150", "completed", 79),
    ("S10002", "CS201", "enrolled", None), ("S10002", "MATH210", "enrolled", None),
    ("S10002", "STAT110", "enrolled", None),
    ("S10003", "CS101", "completed", 93), ("S10003", "CS201", "completed", 85),
    ("S10003", "MATH150", "completed", 90), ("S10003", "MATH210", "completed", 82),
    ("S10003", "CS310", "enrolled", None), ("S10003", "DS200", "enrolled", None),
    ("S10004", "ECON101", "enrolled", None), ("S10004", "STAT110", "enrolled", None),
    ("S10004", "PSY101", "dropped", None),
    ("S10005", "PSY101", "enrolled", None), ("S10005", "BIO101", "enrolled", None),
]
FIRST_NAMES = [
    "Aisha", "Ben", "Carmen", "Dev", "Elena", "Farid", "Grace", "Hugo", "Isla", "Jonas", "Kira", "Luca",
    "Mei", "Nikhil", "Olga", "Pedro", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wes", "Yara", "Zoe",
]
LAST_NAMES = [
    "Abbott", "Banerjee", "Costa", "Dimitrov", "Evans", "Fischer", "Garcia", "Hughes", "Ibrahim", "Jensen",
    "Kowalski", "Larsen", "Moreno", "Nakamura", "Osei", "Park", "Quist", "Ramos", "Schmidt", "Tanaka",
]
PROGRAMS = ["Computer Science BSc", "Data Science BSc", "Economics BA", "Psychology BA", "Biology BSc",
            "Mathematics BSc", "History BA", "Undeclared"]

# assignment templates: (title, kind, days after course start, weight)
ASSIGNMENT_PLAN = [
    ("Problem Set 1", "problem set", 7, 10),
    ("Quiz 1", "quiz", 17, 10),
    ("Midterm Project", "project", 26, 25),
    ("Problem Set 2", "problem set", 33, 10),
    ("Final Exam", "exam", 80, 45),
]
ASSIGNMENT_KIND_BY_SUBJECT = {"english": "essay", "history": "essay", "physics": "lab report",
                              "biology": "lab report", "chemistry": "lab report", "art": "portfolio"}

# course, topic, question, (A, B, C, D), answer letter, accepted alternatives, hint, explanation
QUESTIONS = [
    ("CS101", "lists", "In Python, what does len([3, 1, 4, 1]) return?", ("3", "4", "5", "An error"), "B",
     "four", "len counts the items in the list, duplicates included.",
     "len() returns the number of elements in a list. [3, 1, 4, 1] has four elements; the repeated 1 counts twice."),
    ("CS101", "types", "Which Python type is immutable?", ("list", "dict", "tuple", "set"), "C",
     "tuples", "Think of the type you write with round brackets.",
     "A tuple cannot be changed after it is created. Lists, dicts and sets can all be modified in place."),
    ("CS101", "loops", "How many times does `for i in range(2, 10, 3):` run its body?", ("2", "3", "4", "8"), "B",
     "three|3 times", "Write out the values: start at 2 and add 3 while you stay below 10.",
     "range(2, 10, 3) yields 2, 5 and 8 (11 would pass the stop value 10), so the loop body runs three times."),
    ("CS101", "functions", "What does a Python function return if it has no return statement?",
     ("0", "An empty string", "None", "It raises an error"), "C", "none|nothing",
     "It is Python's special 'no value' object.",
     "A function that ends without `return` returns None, Python's object for 'no value'."),
    ("CS201", "complexity", "What is the average time complexity of looking up a key in a hash table?",
     ("O(1)", "O(log n)", "O(n)", "O(n log n)"), "A", "constant|constant time|o(1)",
     "The hash tells you where to look directly.",
     "A good hash function sends you straight to the right bucket, so lookups take constant time on average; "
     "only with many collisions does it degrade toward O(n)."),
    ("CS201", "stacks", "Which data structure works last-in, first-out (LIFO)?", ("Queue", "Stack", "Heap", "Linked list"), "B",
     "a stack", "Think of a pile of plates.",
     "A stack adds and removes at the same end, so the last item pushed is the first popped. A queue is FIFO."),
    ("CS201", "sorting", "What is the worst-case time complexity of merge sort?",
     ("O(n)", "O(n log n)", "O(n^2)", "O(log n)"), "B", "n log n|o(n log n)",
     "It halves the list repeatedly and merges each level in linear time.",
     "Merge sort splits the input into halves log n times and does O(n) work merging at each level: O(n log n), "
     "even in the worst case (unlike quicksort's O(n^2))."),
    ("CS240", "sql", "Which SQL clause filters groups after aggregation?", ("WHERE", "HAVING", "ORDER BY", "LIMIT"), "B",
     "having", "WHERE works on rows before grouping; you need its counterpart for groups.",
     "WHERE filters individual rows before GROUP BY; HAVING filters the groups afterwards, so it can use aggregates "
     "such as COUNT(*) > 5."),
    ("CS240", "joins", "Which join keeps every row of the left table, even without a match?",
     ("INNER JOIN", "LEFT JOIN", "CROSS JOIN", "SELF JOIN"), "B", "left|left outer join",
     "The name says which side is kept.",
     "A LEFT (OUTER) JOIN returns all rows from the left table and fills the right table's columns with NULL "
     "where nothing matches."),
    ("CS240", "keys", "What does a PRIMARY KEY guarantee?",
     ("Values are sorted", "Values are unique and not null", "Values are encrypted", "Values are numbers"), "B",
     "unique|unique and not null", "Two rows may never share it, and it can't be missing.",
     "A primary key identifies each row: its values must be unique and cannot be NULL."),
    ("MATH150", "derivatives", "What is the derivative of x^3?", ("x^2", "3x^2", "3x", "x^4/4"), "B", "3x^2|3x²",
     "Use the power rule: bring the exponent down and reduce it by one.",
     "By the power rule d/dx x^n = n·x^(n-1), so d/dx x^3 = 3x^2. (x^4/4 is the antiderivative.)"),
    ("MATH150", "limits", "What is the limit of sin(x)/x as x approaches 0?", ("0", "1", "Infinity", "It does not exist"), "B",
     "one", "For very small x, sin(x) is almost equal to x.",
     "Near 0, sin(x) ≈ x, so sin(x)/x → 1. It is a classic limit, provable with the squeeze theorem."),
    ("MATH150", "integrals", "What is the integral of 2x dx?", ("x^2 + C", "2 + C", "2x^2 + C", "x + C"), "A", "x^2|x² + c",
     "Which function has 2x as its derivative?",
     "Integration undoes differentiation: d/dx x^2 = 2x, so ∫2x dx = x^2 + C (C is the constant of integration)."),
    ("MATH210", "matrices", "If A is a 2x3 matrix and B is a 3x4 matrix, what is the shape of AB?",
     ("2x4", "3x3", "4x2", "AB is undefined"), "A", "2 by 4|2 x 4",
     "The inner dimensions must match; the outer ones give the result.",
     "A (2x3) times B (3x4) is defined because the inner sizes (3 and 3) match; the product takes the outer "
     "sizes: 2x4."),
    ("MATH210", "determinants", "What does a determinant of 0 tell you about a square matrix?",
     ("It is the identity", "It is invertible", "It is not invertible", "It is symmetric"), "C",
     "not invertible|singular", "Think about dividing by the determinant.",
     "A zero determinant means the matrix squashes space into a lower dimension, so it has no inverse (it is "
     "singular)."),
    ("MATH210", "eigen", "If Av = 3v for a non-zero vector v, what is 3?",
     ("A determinant", "An eigenvalue of A", "The rank of A", "The trace of A"), "B", "eigenvalue|an eigenvalue",
     "v is only stretched by A, not turned.",
     "When A maps v to a multiple of itself, v is an eigenvector and the factor (here 3) is its eigenvalue."),
    ("STAT110", "averages", "What is the median of 2, 9, 4, 7, 5?", ("4", "5", "5.4", "7"), "B", "five",
     "Sort the numbers first.",
     "Sorted, the data are 2, 4, 5, 7, 9; the median is the middle value, 5. (The mean would be 5.4.)"),
    ("STAT110", "testing", "A p-value of 0.03 with a 5% significance level means you...",
     ("accept the null hypothesis", "reject the null hypothesis", "need a bigger sample", "made an error"), "B",
     "reject|reject the null|reject h0", "Compare 0.03 with 0.05.",
     "Since 0.03 < 0.05, the result is statistically significant at the 5% level: you reject the null "
     "hypothesis. (You never 'accept' it; at most you fail to reject it.)"),
    ("STAT110", "spread", "Which measure of spread is least affected by outliers?",
     ("Range", "Standard deviation", "Interquartile range", "Variance"), "C", "iqr|interquartile range",
     "It only looks at the middle half of the data.",
     "The interquartile range (Q3 - Q1) ignores the lowest and highest quarters of the data, so extreme values "
     "barely move it."),
    ("PHYS101", "newton", "A 2 kg object accelerates at 3 m/s². What is the net force on it?",
     ("1.5 N", "5 N", "6 N", "9 N"), "C", "6|6 newtons|6n", "Newton's second law: F = m·a.",
     "F = m·a = 2 kg × 3 m/s² = 6 N."),
    ("PHYS101", "energy", "What is the kinetic energy of a 4 kg ball moving at 5 m/s?",
     ("10 J", "20 J", "50 J", "100 J"), "C", "50|50 joules|50j", "KE = ½·m·v².",
     "KE = ½ × 4 kg × (5 m/s)² = ½ × 4 × 25 = 50 J."),
    ("BIO101", "cells", "Which organelle produces most of a cell's ATP?",
     ("Nucleus", "Ribosome", "Mitochondrion", "Golgi apparatus"), "C", "mitochondria|the mitochondria",
     "It's often called the powerhouse of the cell.",
     "Mitochondria carry out cellular respiration, which produces most of the cell's ATP."),
    ("BIO101", "genetics", "In DNA, adenine pairs with which base?", ("Cytosine", "Guanine", "Thymine", "Uracil"), "C",
     "t", "Uracil replaces this base in RNA.",
     "In DNA, adenine pairs with thymine (A-T) and guanine with cytosine (G-C). In RNA, uracil takes "
     "thymine's place."),
    ("CHEM101", "atoms", "What is the atomic number of carbon?", ("4", "6", "12", "14"), "B", "six",
     "It equals the number of protons.",
     "Carbon has 6 protons, so its atomic number is 6. 12 is the mass number of its most common isotope."),
    ("CHEM101", "ph", "A solution with pH 3 is...", ("strongly basic", "neutral", "acidic", "weakly basic"), "C",
     "acid", "Neutral is 7.",
     "pH below 7 is acidic, 7 is neutral and above 7 is basic; pH 3 is clearly acidic."),
    ("ECON101", "demand", "If the price of a normal good rises, what happens to the quantity demanded?",
     ("It rises", "It falls", "It stays the same", "Demand shifts right"), "B", "falls|it decreases|decreases",
     "Think of the law of demand.",
     "By the law of demand, a higher price means a lower quantity demanded: a movement along the demand curve, "
     "not a shift of it."),
    ("ECON101", "costs", "What is the opportunity cost of a choice?",
     ("Its price in money", "The value of the next best alternative given up", "Its total cost",
      "Its sunk cost"), "B", "next best alternative",
     "It's about what you gave up, not what you paid.",
     "Opportunity cost is the value of the best alternative you give up when you choose something; it can "
     "exceed the money price."),
    ("PSY101", "memory", "Which memory store holds information for only a few seconds?",
     ("Long-term memory", "Sensory memory", "Semantic memory", "Procedural memory"), "B", "sensory",
     "It's the very first stage in the multi-store model.",
     "In the Atkinson-Shiffrin model, sensory memory holds raw input for a fraction of a second to a few "
     "seconds before it fades or moves to short-term memory."),
    ("PSY101", "learning", "Pavlov's dogs salivating at a bell is an example of...",
     ("operant conditioning", "classical conditioning", "observational learning", "habituation"), "B",
     "classical", "The bell was paired with food.",
     "Pairing a neutral stimulus (the bell) with one that already triggers a response (food) is classical "
     "conditioning."),
    ("HIST120", "wars", "In which year did World War I begin?", ("1905", "1914", "1918", "1939"), "B", "nineteen fourteen",
     "It began shortly after the assassination of Archduke Franz Ferdinand.",
     "World War I began in 1914, after Archduke Franz Ferdinand was assassinated in Sarajevo; it ended in 1918."),
    ("SPAN101", "verbs", "What is 'I am hungry' in Spanish?",
     ("Estoy hambre", "Tengo hambre", "Soy hambre", "Hago hambre"), "B", "tengo hambre",
     "Spanish uses the verb 'to have' for hunger.",
     "Spanish says 'tengo hambre', literally 'I have hunger'. The same pattern gives 'tengo sed' (I'm thirsty)."),
    ("ENG105", "citations", "What is the main purpose of citing sources in an essay?",
     ("To make it longer", "To credit others' ideas and let readers check them", "To avoid writing conclusions",
      "To impress the reader"), "B", "credit",
     "Think about plagiarism and about readers who want to follow up.",
     "Citations credit the authors whose ideas you use (avoiding plagiarism) and let readers find and check "
     "your evidence."),
]

STUDY_TIPS = [
    ("general", "Study in 25-minute focused blocks with 5-minute breaks (the Pomodoro technique); after four blocks take a longer break."),
    ("general", "Test yourself instead of re-reading: closing the book and recalling what you learned is one of the most effective ways to learn."),
    ("general", "Spread your study over several days (spaced practice) rather than cramming; you will remember far more."),
    ("general", "Teach it: explaining a topic out loud to a friend (or a rubber duck) shows you quickly what you don't understand yet."),
    ("exams", "Start revising at least two weeks before an exam and do past papers under timed conditions."),
    ("exams", "Make a one-page summary sheet per topic; writing it is revision, and reading it the night before is a good refresher."),
    ("exams", "Sleep well before the exam: a rested brain recalls much better than one that crammed all night."),
    ("time management", "Put every deadline in one calendar and work backwards: plan when you will start each assignment, not only when it is due."),
    ("time management", "Each evening, choose the three most important tasks for tomorrow and do the hardest one first."),
    ("focus", "Put your phone in another room and block distracting sites while you study; out of sight really is out of mind."),
    ("focus", "Have one study spot used only for studying, so sitting down there tells your brain it is time to focus."),
    ("note taking", "Try the Cornell method: notes on the right, key questions on the left, a short summary at the bottom of each page."),
    ("note taking", "Rewrite your notes in your own words within 24 hours of the class; it doubles as your first revision."),
    ("memory", "Use flashcards with spaced repetition (Anki or paper boxes): review a card just before you would forget it."),
    ("memory", "Link new facts to things you already know, or build a vivid story or acronym around them."),
    ("motivation", "Beat procrastination with the two-minute rule: commit to only two minutes of work; starting is usually the hardest part."),
    ("motivation", "Break a big assignment into small steps and tick them off; visible progress keeps you going."),
]


def build(out: Path, today: date) -> Path:
    """Write a fresh database to ``out`` (replacing any old one) and return its path."""
    rng = random.Random(SEED)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("built_on", today.isoformat()), ("seed", str(SEED))])
        for row in COURSES:
            *fields, starts_in, weeks, description = row
            db.execute("INSERT INTO courses VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       (*fields, (today + timedelta(days=starts_in)).isoformat(), weeks, description))
        db.executemany("INSERT INTO prerequisites VALUES (?, ?)", PREREQUISITES)
        students = _students(rng)
        db.executemany("INSERT INTO students VALUES (?, ?, ?, ?)", students)
        enrolments = _enrolments(rng, [s[0] for s in students], today)
        db.executemany(
            "INSERT INTO enrolments (student_id, course_code, status, enrolled_on, dropped_on, final_grade)"
            " VALUES (?, ?, ?, ?, ?, ?)", enrolments)
        assignments = _assignments(today)
        db.executemany("INSERT INTO assignments VALUES (?, ?, ?, ?, ?, ?)", assignments)
        db.executemany("INSERT INTO submissions VALUES (?, ?, ?, ?)", _submissions(rng, enrolments, assignments, today))
        db.executemany(
            "INSERT INTO quiz_questions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(i, c, t, q, *choices, a, acc, h, e) for i, (c, t, q, choices, a, acc, h, e) in enumerate(QUESTIONS, 1)],
        )
        db.executemany("INSERT INTO study_tips VALUES (?, ?, ?)", [(i, t, tip) for i, (t, tip) in enumerate(STUDY_TIPS, 1)])
        db.commit()
        db.execute("VACUUM")
    finally:
        db.close()
    tmp.replace(out)
    return out


def _students(rng: random.Random) -> list[tuple[str, str, str, str]]:
    rows = [(sid, name, _email(name, sid), program) for sid, name, program in STUDENTS]
    used = {name for _, name, _ in STUDENTS}
    number = 10006
    while len(rows) < 40:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name in used:
            continue
        used.add(name)
        sid = f"S{number}"
        rows.append((sid, name, _email(name, sid), rng.choice(PROGRAMS)))
        number += 1
    return rows


def _email(name: str, sid: str) -> str:
    first, last = name.lower().replace("'", "").split(" ", 1)
    return f"{first}.{last.replace(' ', '')}.{sid[-3:]}@student.northfield.edu"


def _enrolments(rng: random.Random, student_ids: list[str], today: date) -> list[tuple]:
    starts = {c[0]: today + timedelta(days=c[12]) for c in COURSES}
    fixed = {sid for sid, *_ in FIXED_ENROLMENTS}
    rows = []
    for sid, code, status, grade in FIXED_ENROLMENTS:
        rows.append(_enrolment_row(sid, code, status, grade, starts[code], today))
    beginner = [c[0] for c in COURSES if c[3] == "beginner" and c[0] != "ART110"]
    for sid in student_ids:
        if sid in fixed:
            continue
        for code in rng.sample(beginner, rng.randint(2, 4)):
            status = rng.choices(["enrolled", "dropped", "completed"], weights=[7, 1, 2])[0]
            grade = rng.randint(58, 97) if status == "completed" else None
            rows.append(_enrolment_row(sid, code, status, grade, starts[code], today))
    # Drawing Fundamentals is full: its 12 seats go to the first 12 generated students
    for sid in [s for s in student_ids if s not in fixed][:12]:
        rows.append(_enrolment_row(sid, "ART110", "enrolled", None, starts["ART110"], today))
    return rows


def _enrolment_row(sid: str, code: str, status: str, grade: int | None, start: date, today: date) -> tuple:
    if status == "completed":  # taken in an earlier term
        return (sid, code, status, (start - timedelta(days=140)).isoformat(), None, grade)
    enrolled_on = min(start - timedelta(days=10), today - timedelta(days=1))
    dropped_on = (enrolled_on + timedelta(days=5)).isoformat() if status == "dropped" else None
    return (sid, code, status, enrolled_on.isoformat(), dropped_on, None)


def _assignments(today: date) -> list[tuple]:
    rows = []
    number = 1
    for code, title, subject, *_rest in COURSES:
        starts = today + timedelta(days=_rest[9])
        for title, kind, offset, weight in ASSIGNMENT_PLAN:
            if kind == "project" and subject in ASSIGNMENT_KIND_BY_SUBJECT:
                kind = ASSIGNMENT_KIND_BY_SUBJECT[subject]
                title = "Midterm " + kind.title()
            rows.append((number, code, title, kind, (starts + timedelta(days=offset)).isoformat(), weight))
            number += 1
    return rows


def _submissions(rng: random.Random, enrolments: list[tuple], assignments: list[tuple], today: date) -> list[tuple]:
    by_course: dict[str, list[tuple]] = {}
    for row in assignments:
        by_course.setdefault(row[1], []).append(row)
    rows = []
    for sid, code, status, *_ in enrolments:
        if status != "enrolled":
            continue
        skill = rng.randint(62, 95)
        for number, _, _, _, due, _ in by_course[code]:
            due_on = date.fromisoformat(due)
            if due_on > today:
                if due_on - today <= timedelta(days=3) and rng.random() < 0.2:
                    rows.append((number, sid, (today - timedelta(days=1)).isoformat(), None))  # early, not graded yet
                continue
            if rng.random() < 0.12 and sid not in ("S10001", "S10002"):
                continue  # missed: shows up as overdue
            graded = today - due_on >= timedelta(days=4)
            score = max(40, min(100, skill + rng.randint(-12, 8))) if graded else None
            rows.append((number, sid, (due_on - timedelta(days=rng.randint(0, 2))).isoformat(), score))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today(), help="build day (default: today)")
    args = parser.parse_args()
    path = build(args.out, args.today)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB, built_on {args.today})")


if __name__ == "__main__":
    main()
